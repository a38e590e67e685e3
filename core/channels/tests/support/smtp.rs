//! A small SMTP receiver: greets, answers EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT,
//! keeps every message it accepted, and can be told to refuse recipients with a 4xx or a 5xx,
//! or to go silent after the greeting.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the server answers `RCPT TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451: try again later.
    Transient,
    /// 550, quoting the address as real servers do.
    Permanent,
    /// Greets, then never answers anything.
    Silent,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line ends.
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    mode: Arc<Mutex<Mode>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = SmtpServer {
            port: listener.local_addr().expect("addr").port(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            received: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(socket).await;
                });
            }
        });
        server
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test.local ESMTP ready\r\n").await?;
        let mode = *self.mode.lock().unwrap();
        if mode == Mode::Silent {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            return Ok(());
        }
        let mut current: Option<Received> = None;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer: String = if upper.starts_with("EHLO") {
                "250-test.local greets you\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n".into()
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                "250 OK\r\n".into()
            } else if upper.starts_with("RSET") {
                current = None;
                "250 OK\r\n".into()
            } else if upper.starts_with("MAIL FROM:") {
                current = Some(Received {
                    mail_from: command[10..].trim().to_owned(),
                    rcpt_to: Vec::new(),
                    data: String::new(),
                });
                "250 OK\r\n".into()
            } else if upper.starts_with("RCPT TO:") {
                let to = command[8..].trim().to_owned();
                match mode {
                    Mode::Transient => "451 4.3.0 mailbox busy, try again later\r\n".into(),
                    Mode::Permanent => format!("550 5.1.1 {to}: no such user here\r\n"),
                    _ => {
                        if let Some(c) = current.as_mut() {
                            c.rcpt_to.push(to);
                        }
                        "250 OK\r\n".into()
                    }
                }
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                match current.take() {
                    Some(mut c) => {
                        c.data = data;
                        self.received.lock().unwrap().push(c);
                        "250 OK queued\r\n".into()
                    }
                    None => "503 MAIL first\r\n".into(),
                }
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                "502 command not implemented\r\n".into()
            };
            write.write_all(answer.as_bytes()).await?;
        }
    }
}

/// The value of header `name` in a message's DATA (unfolded).
pub fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next()?;
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push_str(line.trim_start_matches(['\t']));
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_owned());
        }
    }
    value
}

/// The text of a message's body, decoded from base64 or quoted-printable.
pub fn body_text(data: &str) -> String {
    use base64::Engine;
    let body = data.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let encoding = header(data, "Content-Transfer-Encoding").unwrap_or_default();
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", ""))
            .expect("base64 body"),
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes)
        .expect("utf-8")
        .replace("\r\n", "\n")
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex digit"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded.
pub fn decode_words(value: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            let inner = &word[10..word.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(inner)
                .expect("encoded word");
            out.push_str(&String::from_utf8(bytes).expect("utf-8"));
        } else if lower.starts_with("=?utf-8?q?") && word.ends_with("?=") {
            let inner = word[10..word.len() - 2].replace('_', " ");
            out.push_str(&String::from_utf8(quoted_printable(&inner)).expect("utf-8"));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}
