//! A station's banner photo, on both backends: ops upload one in the console (a WebP wider than
//! a banner comes back a JPEG of 1920 px, without the camera's metadata), the resident's phone
//! page and the station's wall screen show it from a public URL cached for good, a new photo
//! gets a new URL, and removing it brings the plain banner back. Refusals: a file that is not a
//! picture, a missing file and a picture with too many pixels come back beside the field on
//! the page, and as 4xx JSON naming `photo` on the API; only ops may set or remove one.

use serde_json::Value;

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo};

both_backends!(
    ops_set_and_remove_a_station_banner_photo_in_the_console,
    the_api_sets_and_removes_a_station_photo,
);

fn picture(format: image::ImageFormat, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// The photo URL the station page's banner shows, if any.
fn banner_url(html: &str) -> Option<String> {
    let at = html.find("class=\"banner-photo\" src=\"")? + "class=\"banner-photo\" src=\"".len();
    Some(html[at..].split('"').next()?.replace("&amp;", "&"))
}

/// GET `path` (a public page's) with optional `If-None-Match`: status, headers, bytes.
async fn fetch(
    app: &TestApp,
    path: &str,
    etag: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(t) = etag {
        req = req.header("if-none-match", t);
    }
    let r = req.send().await.unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    (s, h, r.bytes().await.unwrap().to_vec())
}

async fn upload(web: &Browser, file: &str, bytes: Vec<u8>) -> crate::web_client::Page {
    let csrf = web.cookie("liaison_csrf").expect("a CSRF cookie");
    let files = if bytes.is_empty() {
        Vec::new()
    } else {
        vec![("photo", file, bytes)]
    };
    web.post_multipart(
        "/console/stations/lunan/photo",
        &[("_csrf", csrf.as_str())],
        &files,
    )
    .await
}

async fn ops_set_and_remove_a_station_banner_photo_in_the_console(b: Backend) {
    let app = spawn_app(b).await;
    let anon = Browser::new(&app);
    let page = anon.get("/s/lunan").await.expect(200);
    assert_eq!(banner_url(&page.text), None, "no photo until ops set one");
    let web = demo(&app, "ops").await;
    let edit = web.get("/console/stations/lunan").await.expect(200);
    edit.assert_contains("id=\"station-photo\"");
    edit.assert_contains("未设置");
    edit.assert_lacks("id=\"station-photo-remove\"");

    // A WebP wider than a banner: stored as a JPEG of the banner's width, same proportions.
    let p = upload(
        &web,
        "town.webp",
        picture(image::ImageFormat::WebP, 2400, 800),
    )
    .await;
    assert_eq!(p.status.as_u16(), 303, "{}", p.text);
    assert_eq!(p.location(), "/console/stations/lunan");
    let page = anon.get("/s/lunan").await.expect(200);
    page.assert_contains("station-banner has-photo");
    let url = banner_url(&page.text).expect("the banner shows the photo");
    assert!(url.starts_with("/s/lunan/photo.jpg?v="), "{url}");
    let (status, headers, bytes) = fetch(&app, &url, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(
        headers["cache-control"], "public, max-age=31536000, immutable",
        "the versioned URL is cached for good"
    );
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (1920, 640));
    // Asked again with its ETag: not sent again.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = fetch(&app, &url, Some(&etag)).await;
    assert_eq!((status, body.len()), (304, 0));
    // The station's wall screen carries it behind its title; the edit page links to it.
    let wall = anon.get("/s/lunan/screen").await.expect(200);
    wall.assert_contains(&format!(
        "class=\"k-head-photo\" src=\"{}",
        url.replace('&', "&amp;")
    ));
    let edit = web.get("/console/stations/lunan").await.expect(200);
    edit.assert_contains("id=\"station-photo-remove\"");

    // A new photo (a PNG this time) gets a new URL; the old one is no longer cached for good.
    let p = upload(&web, "b.png", picture(image::ImageFormat::Png, 800, 300)).await;
    assert_eq!(p.status.as_u16(), 303, "{}", p.text);
    let url2 = banner_url(&anon.get("/s/lunan").await.expect(200).text).unwrap();
    assert_ne!(url2, url);
    let (status, headers, _) = fetch(&app, &url, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "public, max-age=300");

    // Refusals beside the field, the photo kept as it was.
    let p = upload(&web, "notes.jpg", b"not a picture at all".to_vec())
        .await
        .expect(422);
    let err = p
        .text_of("station-photo-photo-err")
        .expect("beside the field");
    assert!(err.contains("WebP"), "{err}");
    let p = upload(&web, "", Vec::new()).await.expect(422);
    assert!(p.text_of("station-photo-photo-err").is_some(), "{}", p.text);
    let p = upload(&web, "strip.png", picture(image::ImageFormat::Png, 9000, 4))
        .await
        .expect(422);
    let err = p
        .text_of("station-photo-photo-err")
        .expect("beside the field");
    assert!(err.contains("8192"), "{err}");
    assert_eq!(
        banner_url(&anon.get("/s/lunan").await.expect(200).text),
        Some(url2.clone())
    );

    // Staff cannot set one; ops remove it and the plain banner is back.
    let staff = demo(&app, "staff").await;
    let p = upload(&staff, "a.png", picture(image::ImageFormat::Png, 10, 10)).await;
    assert_eq!(p.status.as_u16(), 403);
    let csrf = web.cookie("liaison_csrf").unwrap();
    let p = web
        .post(
            "/console/stations/lunan/photo/remove",
            &[("_csrf", csrf.as_str())],
        )
        .await
        .expect(303);
    assert_eq!(p.location(), "/console/stations/lunan");
    assert_eq!(
        banner_url(&anon.get("/s/lunan").await.expect(200).text),
        None
    );
    assert_eq!(fetch(&app, &url2, None).await.0, 404);
    anon.get("/s/lunan/screen")
        .await
        .expect(200)
        .assert_lacks("k-head-photo");
}

async fn put_photo(app: &TestApp, token: &str, code: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .client
        .put(app.api(&format!("/stations/{code}/photo")))
        .bearer_auth(token)
        .header("content-type", "image/webp")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn the_api_sets_and_removes_a_station_photo(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let webp = picture(image::ImageFormat::WebP, 640, 360);
    let (status, body) = put_photo(&app, &ops, "lunan", webp.clone()).await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap().to_owned();
    let (status, headers, bytes) = fetch(&app, &url, None).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "image/jpeg")
    );
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 640);

    // Refusals name the field.
    for (bytes, status, code) in [
        (b"GIF89a not ours".to_vec(), 422, "invalid"),
        (picture(image::ImageFormat::Png, 4, 9000), 422, "invalid"),
        (
            vec![0xFF; liaison_domain::stations::photo::MAX_BYTES + 1],
            413,
            "too_large",
        ),
    ] {
        let (s, body) = put_photo(&app, &ops, "lunan", bytes).await;
        assert_eq!(s, status, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(body["error"]["field"], "photo", "{body}");
    }
    assert_eq!(put_photo(&app, &staff, "lunan", webp.clone()).await.0, 403);
    assert_eq!(put_photo(&app, &ops, "nowhere", webp).await.0, 404);
    // The photo set first is still the one served.
    assert_eq!(fetch(&app, &url, None).await.0, 200);

    app.delete("/stations/lunan/photo", Some(&staff))
        .await
        .expect(403);
    app.delete("/stations/lunan/photo", Some(&ops))
        .await
        .expect(204);
    app.delete("/stations/lunan/photo", Some(&ops))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(fetch(&app, &url, None).await.0, 404);
}
