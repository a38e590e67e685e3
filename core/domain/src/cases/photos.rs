//! Photos a resident sends with an opinion. Each one is checked by its content (JPEG or PNG,
//! whatever its name says), decoded, and given a random id and a JPEG thumbnail. The stored
//! photo is re-encoded, which drops its EXIF (and the GPS position in it), unless the resident
//! chose to share a location with the opinion: then the original bytes are kept.
//!
//! ## Where photos live: in the database
//!
//! A photo and its thumbnail are one `case_photo_data` row, written in the case's own
//! transaction beside its `case_photos` row. The other way was a storage abstraction with a
//! filesystem and an S3-compatible backend; the database won because:
//!
//! - every node of a cluster already shares the database, so a photo taken through one node is
//!   served by any other with nothing more to set up, run, secure or back up (no bucket, no
//!   credentials, no shared mount); SQLite's single node keeps needing nothing at all;
//! - the photo commits with its case or not at all: no file without a row after a crash, no row
//!   pointing at a file that was never written, and nothing to clean up when intake refuses;
//! - a backup of the database (`VACUUM INTO`, `pg_dump`) holds the photos of exactly the cases
//!   it holds, consistent to the same instant;
//! - the plugin packages already live there (`plugin_versions.component`) for the same reason.
//!
//! The cost is size: a district receives a few thousand photos a year (a few GB with their
//! thumbnails), which PostgreSQL keeps out of line (TOAST) and SQLite in overflow pages, so the
//! case tables stay as fast to scan. At a scale where the database's size hurts backups (a
//! province, tens of millions of photos), an object store becomes worth its set-up; the reads
//! and writes here are the only place that would change.
//!
//! Photos stored as files by an older version (under `[photos].dir`) keep working: the server
//! copies them into the database when it starts ([`import_from_dir`]), and until a photo is
//! copied it is read from the folder ([`read`]). The files are left in place.

use std::io::Cursor;
use std::path::Path;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, FieldKind, PhotoKind};

/// `[photos]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PhotoSettings {
    /// Where an older version stored photos and thumbnails as files; those are copied into the
    /// database at start ([`import_from_dir`]). Nothing new is written there.
    pub dir: String,
    /// Largest photo accepted, in bytes.
    pub max_bytes: usize,
    /// Photos one opinion may carry.
    pub max_count: usize,
    /// The longer side of a thumbnail, in pixels.
    pub thumb_px: u32,
    /// The longest side a photo may have, in pixels, read from its header before decoding.
    pub max_side: u32,
    /// The most pixels a photo may have, in millions, read from its header before decoding.
    pub max_megapixels: u32,
    /// Photos decoded at once across the server; more wait for a turn ([`Decoders`]).
    pub decode_concurrency: usize,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            dir: "data/photos".into(),
            max_bytes: 8 << 20,
            max_count: 6,
            thumb_px: 320,
            max_side: 8192,
            max_megapixels: 50,
            decode_concurrency: 2,
        }
    }
}

/// The turns to decode photos, shared by every request of the server: decoding a photo costs
/// memory in proportion to its pixels (and a core), so a few intakes at once with six large
/// photos each must wait for one another rather than take the server's memory together.
#[derive(Debug, Clone)]
pub struct Decoders(std::sync::Arc<tokio::sync::Semaphore>);

impl Decoders {
    /// `[photos].decode_concurrency` turns (at least one).
    pub fn new(s: &PhotoSettings) -> Decoders {
        Decoders(std::sync::Arc::new(tokio::sync::Semaphore::new(
            s.decode_concurrency.max(1),
        )))
    }

    /// Turns free right now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }

    /// Runs `work` (a decode) on a blocking thread during one of the turns.
    pub async fn decode<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let turn = self
            .0
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("photo decoders closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(turn);
            out
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("photo task: {e}")))
    }
}

impl PhotoSettings {
    /// The body limit of the routes that take photos: every photo at its largest, plus room for
    /// the form around them.
    pub fn body_limit(&self) -> usize {
        self.max_count * self.max_bytes + (1 << 20)
    }
}

/// A photo of a case as listed (its bytes and thumbnail are in `case_photo_data`).
pub use entity::Model as Photo;

/// Maps the `case_photos` table: one row per photo a resident sent with an opinion.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A stored photo of a case; its bytes and thumbnail are in `case_photo_data`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_photos")]
    pub struct Model {
        /// Row id, assigned by the database; the order the photos are listed in.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The case the photo belongs to (`cases.id`).
        pub case_id: i64,
        /// The stored file's name: a random 128-bit hex id and the extension of its real format (never the name the resident's device gave).
        pub file_name: String,
        /// "image/jpeg" or "image/png", from the content, not the upload's claim.
        pub content_type: String,
        /// Size of the stored file, in bytes.
        pub bytes: i64,
        /// Width in pixels.
        pub width: i32,
        /// Height in pixels.
        pub height: i32,
        /// When the photo was received.
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Maps the `case_photo_data` table: the bytes of one photo and of its thumbnail.
pub(crate) mod data {
    use sea_orm::entity::prelude::*;

    /// A photo's bytes, beside its `case_photos` row (see the module's comment for why here).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_photo_data")]
    pub struct Model {
        /// The photo's `case_photos.file_name`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub file_name: String,
        /// The stored photo (re-encoded, or the original when a location was shared).
        pub photo: Vec<u8>,
        /// Its JPEG thumbnail.
        pub thumb: Vec<u8>,
    }

    /// No relations declared: joins are written by hand in the services.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A photo checked and encoded, waiting to be written with its case.
#[derive(Clone)]
pub struct Stored {
    /// The stored file's name (random hex id and extension).
    pub file_name: String,
    /// "image/jpeg" or "image/png", from the content.
    pub content_type: &'static str,
    /// Size of the stored file, in bytes.
    pub bytes: i64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// SHA-256 of the bytes the resident sent, for the intake's idempotency digest: a replay
    /// must carry the same photos, not just photos of the same size.
    pub sha256: String,
    photo: Bytes,
    thumb: Bytes,
}

impl std::fmt::Debug for Stored {
    // Without the bytes: a case in a debug line must not carry megabytes of picture.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

/// A photo decoded and ready to be written.
struct Prepared {
    id: String,
    ext: &'static str,
    content_type: &'static str,
    full: Vec<u8>,
    thumb: Vec<u8>,
    width: u32,
    height: u32,
    sha256: String,
}

fn not_a_photo() -> Error {
    Error::invalid("photo", FieldKind::Photo(PhotoKind::Type))
}

/// The refusal of an opinion carrying more than `max_count` photos.
pub fn too_many(s: &PhotoSettings) -> Error {
    Error::invalid(
        "photo",
        FieldKind::Photo(PhotoKind::TooMany {
            max: s.max_count.try_into().unwrap_or(u32::MAX),
        }),
    )
}

/// The refusal of a photo larger than `max_bytes` (a 413 on the faces).
pub fn too_large(s: &PhotoSettings) -> Error {
    Error::TooLarge {
        limit: s.max_bytes,
        field: Some("photo".into()),
    }
}

/// The refusal of a photo whose header claims more pixels than `[photos]` allows.
pub fn too_many_pixels(s: &PhotoSettings) -> Error {
    Error::invalid(
        "photo",
        FieldKind::Photo(PhotoKind::Dimensions {
            max_side: s.max_side,
            max_megapixels: s.max_megapixels,
        }),
    )
}

/// Whether a picture of `width` × `height` is within `[photos]`'s limits.
fn fits(s: &PhotoSettings, width: u32, height: u32) -> bool {
    width <= s.max_side
        && height <= s.max_side
        && u64::from(width) * u64::from(height) <= u64::from(s.max_megapixels) * 1_000_000
}

fn prepare(s: &PhotoSettings, raw: &[u8], keep_original: bool) -> Result<Prepared, Error> {
    use sha2::{Digest, Sha256};
    if raw.len() > s.max_bytes {
        return Err(too_large(s));
    }
    let (format, ext, content_type) = match image::guess_format(raw) {
        Ok(ImageFormat::Jpeg) => (ImageFormat::Jpeg, "jpg", "image/jpeg"),
        Ok(ImageFormat::Png) => (ImageFormat::Png, "png", "image/png"),
        _ => return Err(not_a_photo()),
    };
    // The size the header claims, read without decoding a pixel: a 236 KB PNG can claim
    // 9000 × 9000, which would take 243 MB to decode and more to re-encode.
    let (w, h) = ImageReader::with_format(Cursor::new(raw), format)
        .into_dimensions()
        .map_err(|_| not_a_photo())?;
    if !fits(s, w, h) {
        return Err(too_many_pixels(s));
    }
    // The decoder's own limits stand behind the header check (a file whose frames disagree
    // with its header): no side beyond the limit, no allocation beyond four bytes a pixel.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(s.max_side);
    limits.max_image_height = Some(s.max_side);
    limits.max_alloc = Some(u64::from(s.max_megapixels) * 4_000_000 + (16 << 20));
    let mut decoder = ImageReader::with_format(Cursor::new(raw), format)
        .into_decoder()
        .map_err(|_| not_a_photo())?;
    decoder.set_limits(limits).map_err(|_| too_many_pixels(s))?;
    let orientation = decoder.orientation().map_err(|_| not_a_photo())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(s),
        _ => not_a_photo(),
    })?;
    let (width, height) = (img.width(), img.height());
    let full = if keep_original {
        raw.to_vec()
    } else {
        // Re-encoding keeps the pixels only: EXIF, GPS and any other metadata stay behind.
        // The camera's rotation is applied first, since its EXIF note goes too.
        img.apply_orientation(orientation);
        encode(&img, format)?
    };
    if keep_original {
        img.apply_orientation(orientation);
    }
    let thumb = encode(
        &DynamicImage::ImageRgb8(img.thumbnail(s.thumb_px, s.thumb_px).to_rgb8()),
        ImageFormat::Jpeg,
    )?;
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    Ok(Prepared {
        id: hex::encode(id),
        ext,
        content_type,
        full,
        thumb,
        width,
        height,
        sha256: hex::encode(Sha256::digest(raw)),
    })
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let res = match format {
        ImageFormat::Jpeg => {
            let rgb = img.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88).encode_image(&rgb)
        }
        _ => img.write_to(&mut Cursor::new(&mut out), format),
    };
    res.map_err(|e| Error::Internal(anyhow::anyhow!("encoding a photo: {e}")))?;
    Ok(out)
}

/// The thumbnail's file name beside a photo's.
pub fn thumb_name(file_name: &str) -> String {
    let stem = file_name.split('.').next().unwrap_or(file_name);
    format!("{stem}.thumb.jpg")
}

/// Checks and encodes every photo; nothing is kept when one of them is refused. Each photo is
/// decoded on a blocking thread during one of `decoders`' turns, so the server decodes at most
/// `[photos].decode_concurrency` photos at once. The photos are written with their case
/// ([`insert`]), in its transaction.
pub async fn store_all(
    s: &PhotoSettings,
    decoders: &Decoders,
    raws: Vec<Bytes>,
    keep_original: bool,
) -> Result<Vec<Stored>, Error> {
    if raws.is_empty() {
        return Ok(Vec::new());
    }
    if raws.len() > s.max_count {
        return Err(too_many(s));
    }
    let mut stored = Vec::with_capacity(raws.len());
    for raw in raws {
        let turn = decoders
            .0
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("photo decoders closed: {e}")))?;
        let settings = s.clone();
        let p = tokio::task::spawn_blocking(move || {
            let one = prepare(&settings, &raw, keep_original);
            drop(turn);
            one
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("photo task: {e}")))??;
        stored.push(Stored {
            file_name: format!("{}.{}", p.id, p.ext),
            content_type: p.content_type,
            bytes: p.full.len() as i64,
            width: p.width,
            height: p.height,
            sha256: p.sha256,
            photo: Bytes::from(p.full),
            thumb: Bytes::from(p.thumb),
        });
    }
    Ok(stored)
}

/// Writes the bytes of photos whose `case_photos` rows ([`rows`]) were just inserted in the same
/// transaction. One statement per photo: a batch of cases with photos would otherwise make one
/// statement of hundreds of megabytes.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    stored: &[Stored],
) -> Result<(), sea_orm::DbErr> {
    for s in stored {
        data::ActiveModel {
            file_name: Set(s.file_name.clone()),
            photo: Set(s.photo.to_vec()),
            thumb: Set(s.thumb.to_vec()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The rows of a new case's photos.
pub fn rows(case_id: i64, stored: &[Stored], now: DateTime<Utc>) -> Vec<entity::ActiveModel> {
    stored
        .iter()
        .map(|s| entity::ActiveModel {
            case_id: Set(case_id),
            file_name: Set(s.file_name.clone()),
            content_type: Set(s.content_type.to_owned()),
            bytes: Set(s.bytes),
            width: Set(s.width as i32),
            height: Set(s.height as i32),
            created_at: Set(now),
            ..Default::default()
        })
        .collect()
}

/// The photos of a case, in the order they were sent.
pub async fn of_case(
    db: &impl ConnectionTrait,
    case_id: i64,
) -> Result<Vec<entity::Model>, sea_orm::DbErr> {
    entity::Entity::find()
        .filter(entity::Column::CaseId.eq(case_id))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

/// A photo of a case, as the API lists it to the people who work on the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoOut {
    /// The stored file's name.
    pub file_name: String,
    /// "image/jpeg" or "image/png".
    pub content_type: String,
    /// Size, in bytes.
    pub bytes: i64,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
    /// Where the caller may fetch the photo (behind the same case access check).
    pub url: String,
    /// Where the caller may fetch its JPEG thumbnail.
    pub thumb_url: String,
}

/// A photo row as the API lists it, with its URLs under `prefix` (the API's base path).
pub fn out(prefix: &str, m: entity::Model) -> PhotoOut {
    PhotoOut {
        url: format!("{prefix}/cases/{}/photos/{}", m.case_id, m.file_name),
        thumb_url: format!("{prefix}/cases/{}/photos/{}/thumb", m.case_id, m.file_name),
        file_name: m.file_name,
        content_type: m.content_type,
        bytes: m.bytes,
        width: m.width,
        height: m.height,
    }
}

/// Answers one photo (or its thumbnail) of a case the caller was already found to see: from
/// the database, or from `[photos].dir` for a photo an older version stored there and the
/// start-up copy has not reached yet.
pub async fn read(
    db: &impl ConnectionTrait,
    s: &PhotoSettings,
    case_id: i64,
    file_name: &str,
    thumb: bool,
) -> Result<(String, Vec<u8>), Error> {
    let row = entity::Entity::find()
        .filter(entity::Column::CaseId.eq(case_id))
        .filter(entity::Column::FileName.eq(file_name))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("no such photo"))?;
    let kind = if thumb {
        "image/jpeg".to_owned()
    } else {
        row.content_type.clone()
    };
    let column = if thumb {
        data::Column::Thumb
    } else {
        data::Column::Photo
    };
    let body: Option<Vec<u8>> = data::Entity::find_by_id(row.file_name.clone())
        .select_only()
        .column(column)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(body) = body {
        return Ok((kind, body));
    }
    let name = if thumb {
        thumb_name(&row.file_name)
    } else {
        row.file_name.clone()
    };
    let body = tokio::fs::read(Path::new(&s.dir).join(&name))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("reading photo {name}: {e}")))?;
    Ok((kind, body))
}

/// Copies into the database the photos an older version stored as files under `[photos].dir`
/// (every `case_photos` row without its `case_photo_data`), and says how many it copied. Safe to
/// run on several nodes at once and again at every start: a photo already copied is skipped, and
/// one whose files are not on this node is left for the node that has them (and counted in the
/// warning). The files stay where they are.
pub async fn import_from_dir(db: &impl ConnectionTrait, s: &PhotoSettings) -> Result<usize, Error> {
    let copied: Vec<String> = data::Entity::find()
        .select_only()
        .column(data::Column::FileName)
        .into_tuple()
        .all(db)
        .await?;
    let copied: std::collections::HashSet<String> = copied.into_iter().collect();
    let names: Vec<String> = entity::Entity::find()
        .select_only()
        .column(entity::Column::FileName)
        .into_tuple()
        .all(db)
        .await?;
    let dir = Path::new(&s.dir);
    let (mut done, mut missing) = (0, 0);
    for name in names.into_iter().filter(|n| !copied.contains(n)) {
        let (photo, thumb) = match (
            tokio::fs::read(dir.join(&name)).await,
            tokio::fs::read(dir.join(thumb_name(&name))).await,
        ) {
            (Ok(p), Ok(t)) => (p, t),
            _ => {
                missing += 1;
                continue;
            }
        };
        let row = data::ActiveModel {
            file_name: Set(name),
            photo: Set(photo),
            thumb: Set(thumb),
        };
        // Another node copying the same photo at the same moment wins; that is fine.
        let inserted = data::Entity::insert(row)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(data::Column::FileName)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        done += usize::from(inserted > 0);
    }
    if missing > 0 {
        tracing::warn!(
            missing,
            dir = %s.dir,
            "photos recorded for cases are neither in the database nor in the photo folder of this node"
        );
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(w: u32, h: u32) -> Bytes {
        let img = image::GrayImage::new(w, h);
        let mut out = Vec::new();
        DynamicImage::ImageLuma8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        Bytes::from(out)
    }

    fn settings(dir: &Path) -> PhotoSettings {
        PhotoSettings {
            dir: dir.display().to_string(),
            max_side: 100,
            max_megapixels: 1,
            decode_concurrency: 1,
            ..PhotoSettings::default()
        }
    }

    #[tokio::test]
    async fn sizes_are_read_from_the_header_and_bounded() {
        let s = settings(Path::new("unused"));
        let d = Decoders::new(&s);
        for (w, h) in [(101, 10), (10, 101)] {
            let e = store_all(&s, &d, vec![png(w, h)], false).await.unwrap_err();
            assert!(
                matches!(&e, Error::Invalid { field, kind: FieldKind::Photo(PhotoKind::Dimensions { max_side: 100, .. }) } if field == "photo"),
                "{w}×{h}: {e:?}"
            );
        }
        let ok = store_all(&s, &d, vec![png(100, 100)], false).await.unwrap();
        assert_eq!((ok[0].width, ok[0].height), (100, 100));
        assert_eq!(d.available(), 1, "every turn is given back");
    }

    #[tokio::test]
    async fn no_photo_is_decoded_without_a_turn() {
        let s = settings(Path::new("unused"));
        let d = Decoders::new(&s);
        // Another request holds the only turn: this one waits, whatever the machine's speed.
        let held = d.0.clone().acquire_owned().await.unwrap();
        let (s2, d2) = (s.clone(), d.clone());
        let waiting =
            tokio::spawn(async move { store_all(&s2, &d2, vec![png(20, 20)], false).await });
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "decoded without a turn");
        drop(held);
        let stored = waiting.await.unwrap().unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(d.available(), 1);
    }
}
