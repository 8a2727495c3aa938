//! Reading `multipart/form-data` bodies in the fake platform servers (a
//! file sent as a document or an attachment). Its own module so that the
//! benches that start the fakes can include it too.

use serde_json::Value;

/// A `multipart/form-data` body read into a JSON object of its text
/// fields (numbers and JSON values parsed, as a JSON call would carry
/// them), and its one file, if any. The file's name is also in the body
/// as `<field>_name`.
pub fn read_multipart(body: &[u8], boundary: &str) -> (Value, Option<(String, Vec<u8>)>) {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut fields = serde_json::Map::new();
    let mut file = None;
    for part in split_bytes(body, &delimiter).into_iter().skip(1) {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        if part.starts_with(b"--") {
            break;
        }
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let attribute = |key: &str| {
            let marker = format!("{key}=\"");
            let start = head.find(&marker)? + marker.len();
            let end = head[start..].find('"')? + start;
            Some(head[start..end].to_owned())
        };
        let Some(name) = attribute("name") else {
            continue;
        };
        if let Some(file_name) = attribute("filename") {
            fields.insert(format!("{name}_name"), Value::from(file_name.clone()));
            file = Some((file_name, content.to_vec()));
            continue;
        }
        let text = String::from_utf8_lossy(content).into_owned();
        let value = serde_json::from_str(&text).unwrap_or(Value::from(text));
        fields.insert(name, value);
    }
    (Value::Object(fields), file)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split_bytes<'a>(mut bytes: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(bytes, delimiter) {
        parts.push(&bytes[..at]);
        bytes = &bytes[at + delimiter.len()..];
    }
    parts.push(bytes);
    parts
}
