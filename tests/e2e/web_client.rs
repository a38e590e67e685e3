//! A small browser for the page tests: it keeps cookies as a browser would, follows no
//! redirects (the tests read them), posts forms URL-encoded, and reads hidden fields back.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::support::TestApp;

pub struct Browser {
    base: String,
    client: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
}

/// A page as answered.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The `Set-Cookie` headers, whole.
    pub set_cookies: Vec<String>,
}

impl Page {
    #[track_caller]
    pub fn expect(self, status: u16) -> Page {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text
        );
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a redirect points.
    #[track_caller]
    pub fn location(&self) -> &str {
        self.header("location")
            .unwrap_or_else(|| panic!("no Location in a {} answer", self.status))
    }

    #[track_caller]
    pub fn assert_html(&self) {
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "a page answers HTML, not {:?}",
            self.header("content-type")
        );
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.text.contains(needle),
            "the page does not contain {needle:?}:\n{}",
            self.text
        );
    }

    #[track_caller]
    pub fn assert_lacks(&self, needle: &str) {
        assert!(
            !self.text.contains(needle),
            "the page contains {needle:?}:\n{}",
            self.text
        );
    }

    /// The `Set-Cookie` header that sets `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&prefix))
            .map(String::as_str)
    }

    /// The value of the first `<input … name="{name}" value="…">` (as rendered: name first).
    #[track_caller]
    pub fn input_value(&self, name: &str) -> String {
        let key = format!("name=\"{name}\" value=\"");
        let start = self
            .text
            .find(&key)
            .unwrap_or_else(|| panic!("no input {name} with a value in:\n{}", self.text))
            + key.len();
        let end = self.text[start..].find('"').expect("a closing quote") + start;
        unescape(&self.text[start..end])
    }

    /// The text of the element with `id` (up to its first closing tag), unescaped.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let key = format!("id=\"{id}\"");
        let at = self.text.find(&key)?;
        let open_end = self.text[at..].find('>')? + at + 1;
        let close = self.text[open_end..].find("</")? + open_end;
        Some(unescape(self.text[open_end..close].trim()))
    }
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.address.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    /// A browser for the site at `base` (another node of a cluster, say).
    pub fn at(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            jar: Mutex::new(BTreeMap::new()),
        }
    }

    /// The same cookies, sent to the site at `base`.
    pub fn rebased(&self, base: &str) -> Browser {
        let b = Browser::at(base);
        *b.jar.lock().unwrap() = self.jar.lock().unwrap().clone();
        b
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&self, res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        {
            let mut jar = self.jar.lock().unwrap();
            for c in &set_cookies {
                let first = c.split(';').next().unwrap_or_default();
                if let Some((k, v)) = first.split_once('=') {
                    let gone = c.to_ascii_lowercase().contains("max-age=0");
                    if gone || v.is_empty() {
                        jar.remove(k);
                    } else {
                        jar.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
        let text = res.text().await.expect("reading the page");
        Page {
            status,
            headers,
            text,
            set_cookies,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("sending the request");
        self.read(res).await
    }

    /// Posts `fields` as a URL-encoded form, as a browser sends a `<form method="post">`.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("sending the request");
        self.read(res).await
    }

    /// Posts `fields` and `files` (input name, file name, bytes) as `multipart/form-data`, as a
    /// browser sends a form with a file input.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, file, bytes) in files {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(file.to_string()),
            );
        }
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .expect("sending the request");
        self.read(res).await
    }

    /// GETs `path` and answers its status and bytes (images).
    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("sending the request");
        (
            res.status().as_u16(),
            res.bytes().await.expect("reading").to_vec(),
        )
    }
}

/// A browser signed in through the sign-in page.
pub async fn signed_in(app: &TestApp, username: &str, password: &str) -> Browser {
    let web = Browser::new(app);
    let csrf = web.get("/login").await.expect(200).input_value("_csrf");
    web.post(
        "/login",
        &[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ],
    )
    .await
    .expect(303);
    web
}

/// A browser signed in as one of the demo district's users.
pub async fn demo(app: &TestApp, username: &str) -> Browser {
    let u = liaison::demo::DEMO_USERS
        .iter()
        .find(|u| u.username == username)
        .unwrap_or_else(|| panic!("no demo user {username}"));
    signed_in(app, u.username, u.password).await
}

/// Posts a form with the browser's CSRF token, as the page's hidden field would carry it.
pub async fn post_form(web: &Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = web.cookie("liaison_csrf").expect("a CSRF cookie");
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    web.post(path, &all).await
}
