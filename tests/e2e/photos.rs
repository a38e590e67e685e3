//! Photos with an opinion, through the API (multipart) and the intake page: what is stored
//! (rows, photo and thumbnail bytes in the database), location metadata stripped unless the
//! resident shared a location, refusals that write nothing, photos served only within the
//! caller's scope, served by every node of a cluster, and photos an older version stored as
//! files still served and copied into the database.

use std::path::Path;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{Backend, Resp, TestApp, case_body, count, spawn_app, spawn_app_with};
use crate::web_client::Browser;

both_backends!(
    photos_are_stored_with_thumbnails,
    gps_is_stripped_unless_a_location_is_shared,
    wrong_photos_are_refused_and_nothing_is_written,
    photos_are_served_within_scope_only,
    the_page_form_posts_a_photo,
    a_photo_sent_through_one_node_is_served_by_another,
    photos_stored_as_files_before_are_served_and_copied_in,
);

const MARKER: &[u8] = b"GPS-MARKER-29N";

/// A small JPEG with an EXIF APP1 segment carrying a GPS IFD (and a marker to look for).
fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .unwrap();
    // TIFF, big-endian: IFD0 with one entry, the GPS IFD pointer; the GPS IFD with
    // GPSLatitudeRef = "N".
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend([0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    tiff.extend(MARKER);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([x as u8, 20, 200, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn send(app: &TestApp, case: &Value, photos: &[(&str, Vec<u8>)]) -> Resp {
    let mut form = reqwest::multipart::Form::new().part(
        "case",
        reqwest::multipart::Part::text(case.to_string())
            .mime_str("application/json")
            .unwrap(),
    );
    for (name, bytes) in photos {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    app.post_multipart("/cases", form).await
}

fn no_location() -> Value {
    let mut body = case_body("lunan");
    body.as_object_mut().unwrap().remove("location");
    body
}

/// The names of what is stored: each photo and its thumbnail, as files were named before.
async fn files_in(app: &TestApp) -> Vec<String> {
    let mut names = Vec::new();
    for n in app.texts("SELECT file_name FROM case_photo_data").await {
        names.push(liaison_domain::cases::photos::thumb_name(&n));
        names.push(n);
    }
    names
}

/// A photo's stored bytes, or its thumbnail's.
async fn stored(app: &TestApp, file_name: &str, thumb: bool) -> Vec<u8> {
    let column = if thumb { "thumb" } else { "photo" };
    let sql = format!("SELECT {column} FROM case_photo_data WHERE file_name = '{file_name}'");
    app.db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no stored bytes for {file_name}"))
        .try_get_by_index::<Vec<u8>>(0)
        .unwrap()
}

/// Nothing is written to the photo folder any more: the database holds the photos.
fn folder_untouched(app: &TestApp) {
    let dir = Path::new(&app.settings.photos.dir);
    assert!(
        std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0) == 0,
        "nothing under the photo folder"
    );
}

/// A photo row as the database has it.
struct PhotoRow {
    case_id: i64,
    file_name: String,
    content_type: String,
    width: i32,
    height: i32,
    bytes: i64,
}

/// Every photo row, in the order they were stored.
async fn photo_rows(app: &TestApp) -> Vec<PhotoRow> {
    let sql = "SELECT case_id, file_name, content_type, width, height, bytes FROM case_photos ORDER BY id";
    app.db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| PhotoRow {
            case_id: r.try_get("", "case_id").unwrap(),
            file_name: r.try_get("", "file_name").unwrap(),
            content_type: r.try_get("", "content_type").unwrap(),
            width: r.try_get("", "width").unwrap(),
            height: r.try_get("", "height").unwrap(),
            bytes: r.try_get("", "bytes").unwrap(),
        })
        .collect()
}

async fn photos_are_stored_with_thumbnails(b: Backend) {
    let app = spawn_app(b).await;
    let r = send(
        &app,
        &no_location(),
        &[
            ("a.jpg", jpeg_with_exif(800, 600)),
            ("b.png", png(400, 900)),
        ],
    )
    .await
    .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    let rows = photo_rows(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|p| p.case_id == id));
    assert_eq!(
        (rows[0].content_type.as_str(), rows[0].width, rows[0].height),
        ("image/jpeg", 800, 600)
    );
    assert_eq!(
        (rows[1].content_type.as_str(), rows[1].width, rows[1].height),
        ("image/png", 400, 900)
    );
    assert_eq!(
        files_in(&app).await.len(),
        4,
        "two photos and two thumbnails"
    );
    folder_untouched(&app);
    for p in &rows {
        let full = stored(&app, &p.file_name, false).await;
        assert_eq!(full.len() as i64, p.bytes);
        let thumb = stored(&app, &p.file_name, true).await;
        let t = image::load_from_memory(&thumb).unwrap();
        assert!(
            t.width() <= 320 && t.height() <= 320,
            "{}x{}",
            t.width(),
            t.height()
        );
        assert!(thumb.len() < full.len(), "the thumbnail is smaller");
    }

    // Staff see them in the case, with URLs that answer the images.
    let staff = app.login_demo("staff").await;
    let d = app.detail(&staff, id).await;
    let listed = d["photos"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let url = listed[0]["url"].as_str().unwrap();
    let (status, kind, body) = app.get_bytes(url, Some(&staff)).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(body, stored(&app, &rows[0].file_name, false).await);
    let (status, kind, _) = app
        .get_bytes(listed[1]["thumb_url"].as_str().unwrap(), Some(&staff))
        .await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    // The public tracking view shows no photos.
    let code = r.body["receipt_code"].as_str().unwrap();
    let t = app.track(code).await.expect(200);
    assert!(t.body.get("photos").is_none(), "{}", t.text);

    // A JSON intake still works and carries no photos.
    app.submit(&case_body("lunan")).await.expect(201);
    assert_eq!(photo_rows(&app).await.len(), 2);
}

async fn gps_is_stripped_unless_a_location_is_shared(b: Backend) {
    let app = spawn_app(b).await;
    let original = jpeg_with_exif(64, 48);
    assert!(contains(&original, b"Exif\0\0") && contains(&original, MARKER));
    assert!(
        image::load_from_memory(&original).is_ok(),
        "the test image decodes"
    );

    send(&app, &no_location(), &[("g.jpg", original.clone())])
        .await
        .expect(201);
    let rows = photo_rows(&app).await;
    let stripped = stored(&app, &rows[0].file_name, false).await;
    assert!(!contains(&stripped, b"Exif"), "EXIF is gone");
    assert!(!contains(&stripped, MARKER), "GPS is gone");
    assert!(image::load_from_memory(&stripped).is_ok());
    let thumb = stored(&app, &rows[0].file_name, true).await;
    assert!(!contains(&thumb, b"Exif"), "the thumbnail has none either");

    // A resident who shares a location keeps the photo as it was.
    send(&app, &case_body("lunan"), &[("g.jpg", original.clone())])
        .await
        .expect(201);
    let rows = photo_rows(&app).await;
    let kept = stored(&app, &rows[1].file_name, false).await;
    assert_eq!(kept, original);
    let thumb = stored(&app, &rows[1].file_name, true).await;
    assert!(!contains(&thumb, b"Exif"));
}

async fn wrong_photos_are_refused_and_nothing_is_written(b: Backend) {
    let app = spawn_app_with(b, |s| s.photos.max_bytes = 64 * 1024).await;
    let nothing = |app: &TestApp| {
        let db = app.db.clone();
        folder_untouched(app);
        async move {
            assert_eq!(count(&db, "SELECT COUNT(*) FROM case_photo_data").await, 0);
            assert_eq!(count(&db, "SELECT COUNT(*) FROM case_photos").await, 0);
            assert_eq!(liaison_domain::cases::count(&db).await.unwrap(), 0);
        }
    };
    // Not an image, whatever its name says; a good photo beside it is not kept either.
    send(
        &app,
        &no_location(),
        &[
            ("ok.jpg", jpeg_with_exif(32, 32)),
            ("evil.jpg", b"GIF89a not a photo".to_vec()),
        ],
    )
    .await
    .expect_error(422, "invalid", Some("photo"));
    nothing(&app).await;
    // A JPEG's magic bytes with nothing behind them.
    send(
        &app,
        &no_location(),
        &[("broken.png", vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0])],
    )
    .await
    .expect_error(422, "invalid", Some("photo"));
    nothing(&app).await;
    // Too large.
    let mut big = jpeg_with_exif(16, 16);
    big.extend(vec![0u8; 70 * 1024]);
    send(&app, &no_location(), &[("big.jpg", big)])
        .await
        .expect_error(413, "too_large", Some("photo"));
    nothing(&app).await;
    // Seven photos.
    let seven: Vec<_> = (0..7).map(|_| ("p.png", png(8, 8))).collect();
    send(&app, &no_location(), &seven)
        .await
        .expect_error(422, "invalid", Some("photo"));
    nothing(&app).await;
    // A bad case with good photos: refused, nothing written.
    let mut bad = no_location();
    bad["category"] = json!("no-such-category");
    send(&app, &bad, &[("ok.png", png(8, 8))])
        .await
        .expect_error(422, "invalid", Some("category"));
    nothing(&app).await;
    // Six are fine.
    let six: Vec<_> = (0..6).map(|_| ("p.png", png(8, 8))).collect();
    send(&app, &no_location(), &six).await.expect(201);
    assert_eq!(photo_rows(&app).await.len(), 6);
}

async fn photos_are_served_within_scope_only(b: Backend) {
    let app = spawn_app(b).await;
    let r = send(&app, &no_location(), &[("a.png", png(20, 20))])
        .await
        .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    let file = photo_rows(&app).await[0].file_name.clone();
    let url = format!("/api/v1/cases/{id}/photos/{file}");
    let thumb = format!("{url}/thumb");
    let staff = app.login_demo("staff").await;
    let other = app.add_station_staff("jinqing").await;
    for u in [&url, &thumb] {
        assert_eq!(app.get_bytes(u, Some(&staff)).await.0, 200);
        assert_eq!(app.get_bytes(u, None).await.0, 401);
        let s = app.get_bytes(u, Some(&other)).await.0;
        assert!(s == 403 || s == 404, "another station's staff: {s}");
    }
    // A file of another case is not reached through this one.
    let r2 = send(&app, &no_location(), &[("b.png", png(20, 20))])
        .await
        .expect(201);
    let id2 = r2.body["id"].as_i64().unwrap();
    assert_eq!(
        app.get_bytes(&format!("/api/v1/cases/{id2}/photos/{file}"), Some(&staff))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get_bytes(
            &format!("/api/v1/cases/{id}/photos/..%2Fliaison.db"),
            Some(&staff)
        )
        .await
        .0,
        404
    );
    // The page route: signed-out visitors are sent to sign in, not shown the photo.
    let web = Browser::new(&app);
    let (status, _) = web.get_bytes(&format!("/cases/{id}/photos/{file}")).await;
    assert_ne!(status, 200);
}

async fn the_page_form_posts_a_photo(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let csrf = form.input_value("_csrf");
    let key = form.input_value("client_key");
    let fields = [
        ("_csrf", csrf.as_str()),
        ("client_key", key.as_str()),
        ("category", "urban_construction"),
        (
            "description",
            "石曲村一带路灯坏了半个多月，晚上出行很不方便。",
        ),
        ("address", ""),
        ("lat", ""),
        ("lng", ""),
        ("name", ""),
        ("phone", ""),
    ];
    // A wrong file comes back with the other values kept and a word about choosing again.
    let p = web
        .post_multipart(
            "/s/lunan",
            &fields,
            &[("photo", "x.jpg", b"not an image".to_vec())],
        )
        .await
        .expect(422);
    p.assert_contains("石曲村一带路灯坏了半个多月");
    p.assert_contains("id=\"photos-again\"");
    p.assert_contains("id=\"err-photo\"");
    assert_eq!(app.case_count().await, 0);
    // An empty file input sends an empty part: no photo, no error.
    let ok = web
        .post_multipart(
            "/s/lunan",
            &fields,
            &[
                ("photo", "a.jpg", jpeg_with_exif(120, 90)),
                ("photo", "", Vec::new()),
            ],
        )
        .await
        .expect(303);
    assert!(ok.location().starts_with("/r/"));
    assert_eq!(app.case_count().await, 1);
    let rows = photo_rows(&app).await;
    assert_eq!(rows.len(), 1);
    assert!(!contains(
        &stored(&app, &rows[0].file_name, false).await,
        MARKER
    ));
    // Sent again (the same client key): one case, one photo, no stray files.
    web.post_multipart(
        "/s/lunan",
        &fields,
        &[("photo", "a.jpg", jpeg_with_exif(120, 90))],
    )
    .await
    .expect(303);
    assert_eq!(app.case_count().await, 1);
    assert_eq!(photo_rows(&app).await.len(), 1);
    assert_eq!(files_in(&app).await.len(), 2);
    folder_untouched(&app);

    // The station's staff see the thumbnail on the case page, linking to the photo.
    let staff = Browser::new(&app);
    let csrf = staff.get("/login").await.expect(200).input_value("_csrf");
    staff
        .post(
            "/login",
            &[
                ("_csrf", csrf.as_str()),
                ("username", "staff"),
                ("password", "staff-demo-2026"),
            ],
        )
        .await
        .expect(303);
    let id = rows[0].case_id;
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    let full = format!("/cases/{id}/photos/{}", rows[0].file_name);
    page.assert_contains(&format!("href=\"{full}\""));
    page.assert_contains(&format!("src=\"{full}/thumb\""));
    let (status, body) = staff.get_bytes(&full).await;
    assert_eq!(status, 200);
    assert!(image::load_from_memory(&body).is_ok());
    assert_eq!(staff.get_bytes(&format!("{full}/thumb")).await.0, 200);
}

/// Two nodes over one database, each with a photo folder of its own: what one takes, the other
/// serves (photo and thumbnail), to a session made on the first.
async fn a_photo_sent_through_one_node_is_served_by_another(b: Backend) {
    let app = spawn_app(b).await;
    let other = crate::nodes::Node::start(&app.db, &app.settings, &app.clock).await;
    let sent = jpeg_with_exif(200, 150);
    let r = send(&app, &case_body("lunan"), &[("a.jpg", sent.clone())])
        .await
        .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    let staff = app.login_demo("staff").await;
    let file = photo_rows(&app).await[0].file_name.clone();
    for (suffix, kind) in [("", "image/jpeg"), ("/thumb", "image/jpeg")] {
        let res = app
            .client
            .get(other.api(&format!("/cases/{id}/photos/{file}{suffix}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{suffix}");
        assert_eq!(res.headers()["content-type"], kind);
        let body = res.bytes().await.unwrap();
        if suffix.is_empty() {
            assert_eq!(
                body.as_ref(),
                sent.as_slice(),
                "the photo as sent (location shared)"
            );
        }
    }
}

/// A photo an older version stored as files (no bytes in the database) is served from the
/// folder, then copied into the database when a server starts, and served by a node that never
/// had the files.
async fn photos_stored_as_files_before_are_served_and_copied_in(b: Backend) {
    let app = spawn_app(b).await;
    let r = send(&app, &no_location(), &[("a.png", png(40, 30))])
        .await
        .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    let file = photo_rows(&app).await[0].file_name.clone();
    // As an older version left it: the files in the folder, no bytes in the database.
    let (photo, thumb) = (
        stored(&app, &file, false).await,
        stored(&app, &file, true).await,
    );
    crate::support::execute(&app.db, "DELETE FROM case_photo_data").await;
    let dir = Path::new(&app.settings.photos.dir);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(&file), &photo).unwrap();
    std::fs::write(
        dir.join(liaison_domain::cases::photos::thumb_name(&file)),
        &thumb,
    )
    .unwrap();
    let staff = app.login_demo("staff").await;
    let url = format!("/api/v1/cases/{id}/photos/{file}");
    let (status, _, body) = app.get_bytes(&url, Some(&staff)).await;
    assert_eq!(
        (status, body.as_slice()),
        (200, photo.as_slice()),
        "read from the folder"
    );

    // A server starting over the folder copies the photo in (in the background).
    let folder = app.settings.photos.dir.clone();
    let copier = crate::nodes::Node::start_with(&app.db, &app.settings, &app.clock, |s| {
        s.photos.dir = folder
    })
    .await;
    let start = std::time::Instant::now();
    while count(&app.db, "SELECT COUNT(*) FROM case_photo_data").await == 0 {
        assert!(start.elapsed().as_secs() < 30, "copied in at start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(stored(&app, &file, false).await, photo);
    assert_eq!(stored(&app, &file, true).await, thumb);
    // Once more (another node, another start): nothing more to copy.
    let again = liaison_domain::cases::photos::import_from_dir(&app.db, &app.settings.photos)
        .await
        .unwrap();
    assert_eq!(again, 0);
    drop(copier);
    // A node with an empty folder of its own serves it now.
    let elsewhere = crate::nodes::Node::start(&app.db, &app.settings, &app.clock).await;
    let res = app
        .client
        .get(format!("{}{url}/thumb", elsewhere.address))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), thumb.as_slice());
}
