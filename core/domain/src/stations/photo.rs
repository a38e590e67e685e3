//! A station's banner photo (optional, one per station), set and removed by ops. It is checked
//! by its content (JPEG, PNG or WebP, whatever its name says), bounded in bytes and in pixels
//! before any decoding, then re-encoded as a JPEG no wider than a banner needs: the metadata
//! (EXIF, GPS) stays behind and every station's photo costs the residents' phones about the
//! same. Kept in the database as case photos are (see `cases::photos` for why), in a table of
//! its own so that reading stations never reads pictures.

use std::io::Cursor;

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sea_orm::{QuerySelect, sea_query::OnConflict};

use crate::cases::photos::Decoders;
use crate::error::{Error, FieldKind, PhotoKind};

/// The largest photo accepted, in bytes (a phone's photo; the route's body limit is a little
/// more, for the form around it).
pub const MAX_BYTES: usize = 8 << 20;
/// The longest side accepted, in pixels, read from the header before decoding.
pub const MAX_SIDE: u32 = 8192;
/// The most pixels accepted, in millions, read from the header before decoding.
pub const MAX_MEGAPIXELS: u32 = 40;
/// The stored photo's largest width, in pixels: a banner at a wall screen's width.
pub const STORED_WIDTH: u32 = 1920;

/// The `station_photos` table: a station's banner photo, re-encoded.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A station's banner photo.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "station_photos")]
    pub struct Model {
        /// The station (`stations.id`); one photo each.
        #[sea_orm(primary_key, auto_increment = false)]
        pub station_id: i64,
        /// A digest of the stored bytes: the public URL carries it, so a cached photo is
        /// never stale and a new one is fetched at once.
        pub version: String,
        /// "image/jpeg" (every photo is re-encoded so).
        pub content_type: String,
        /// Width in pixels.
        pub width: i32,
        /// Height in pixels.
        pub height: i32,
        /// The stored JPEG.
        pub photo: Vec<u8>,
        /// When ops set it.
        pub updated_at: DateTimeUtc,
    }

    /// No relations declared: joins are written by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The stored photo, as served.
#[derive(Debug, Clone)]
pub struct StationPhoto {
    /// The digest the public URL carries.
    pub version: String,
    /// "image/jpeg".
    pub content_type: String,
    /// The bytes.
    pub bytes: Bytes,
}

fn not_a_photo() -> Error {
    Error::invalid("photo", FieldKind::Photo(PhotoKind::Type))
}

fn too_many_pixels() -> Error {
    Error::invalid(
        "photo",
        FieldKind::Photo(PhotoKind::Dimensions {
            max_side: MAX_SIDE,
            max_megapixels: MAX_MEGAPIXELS,
        }),
    )
}

/// Checks, decodes and re-encodes `raw`: the JPEG to store, its size and its version.
fn prepare(raw: &[u8]) -> Result<(Vec<u8>, u32, u32, String), Error> {
    use sha2::{Digest, Sha256};
    if raw.len() > MAX_BYTES {
        return Err(Error::TooLarge {
            limit: MAX_BYTES,
            field: Some("photo".into()),
        });
    }
    let format = match image::guess_format(raw) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(not_a_photo()),
    };
    // The size the header claims, before a pixel is decoded (a small file can claim a huge
    // picture); the decoder's own limits stand behind it.
    let (w, h) = ImageReader::with_format(Cursor::new(raw), format)
        .into_dimensions()
        .map_err(|_| not_a_photo())?;
    if w > MAX_SIDE
        || h > MAX_SIDE
        || u64::from(w) * u64::from(h) > u64::from(MAX_MEGAPIXELS) * 1_000_000
    {
        return Err(too_many_pixels());
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(u64::from(MAX_MEGAPIXELS) * 4_000_000 + (16 << 20));
    let mut decoder = ImageReader::with_format(Cursor::new(raw), format)
        .into_decoder()
        .map_err(|_| not_a_photo())?;
    decoder.set_limits(limits).map_err(|_| too_many_pixels())?;
    let orientation = decoder.orientation().map_err(|_| not_a_photo())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(),
        _ => not_a_photo(),
    })?;
    img.apply_orientation(orientation);
    if img.width() > STORED_WIDTH {
        let h = (u64::from(img.height()) * u64::from(STORED_WIDTH) / u64::from(img.width())).max(1);
        img = img.resize_exact(
            STORED_WIDTH,
            h as u32,
            image::imageops::FilterType::Triangle,
        );
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
        .encode_image(&img.to_rgb8())
        .map_err(|e| Error::Internal(anyhow::anyhow!("encoding a station photo: {e}")))?;
    let version = hex::encode(&Sha256::digest(&out)[..8]);
    Ok((out, img.width(), img.height(), version))
}

/// Sets (or replaces) the banner photo of the station `code` from the bytes ops sent, decoded
/// during one of `decoders`' turns like case photos. Returns the new version.
pub async fn set(
    db: &impl ConnectionTrait,
    decoders: &Decoders,
    code: &str,
    raw: Bytes,
) -> Result<String, Error> {
    let station = super::by_code(db, code).await?;
    if raw.is_empty() {
        return Err(Error::required("photo"));
    }
    let (jpeg, width, height, version) = decoders.decode(move || prepare(&raw)).await??;
    let row = entity::ActiveModel {
        station_id: Set(station.id),
        version: Set(version.clone()),
        content_type: Set("image/jpeg".into()),
        width: Set(width as i32),
        height: Set(height as i32),
        photo: Set(jpeg),
        updated_at: Set(chrono::Utc::now()),
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::StationId)
                .update_columns([
                    entity::Column::Version,
                    entity::Column::ContentType,
                    entity::Column::Width,
                    entity::Column::Height,
                    entity::Column::Photo,
                    entity::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(version)
}

/// Removes the station's photo; whether there was one.
pub async fn remove(db: &impl ConnectionTrait, code: &str) -> Result<bool, Error> {
    let station = super::by_code(db, code).await?;
    let r = entity::Entity::delete_many()
        .filter(entity::Column::StationId.eq(station.id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// The version of the station's photo, if it has one (without reading the picture).
pub async fn version(db: &impl ConnectionTrait, station_id: i64) -> Result<Option<String>, Error> {
    Ok(entity::Entity::find_by_id(station_id)
        .select_only()
        .column(entity::Column::Version)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// The station `code`'s photo, to serve; not found when the station has none.
pub async fn read(db: &impl ConnectionTrait, code: &str) -> Result<StationPhoto, Error> {
    let station = super::by_code(db, code).await?;
    let row = entity::Entity::find_by_id(station.id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("station {code} has no photo")))?;
    Ok(StationPhoto {
        version: row.version,
        content_type: row.content_type,
        bytes: Bytes::from(row.photo),
    })
}
