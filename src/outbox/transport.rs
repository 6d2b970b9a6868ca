//! Handing one message to a practice's endpoint: a FHIR `$process-message` POST, or two files
//! in a MESH-style mailbox folder. Says only whether the endpoint took it, and if not why, in
//! words an administrator can act on; the worker decides what happens next.

use super::{mailbox_control_file, Endpoint};
use std::io::Write;
use std::path::Path;

/// The media type of FHIR JSON.
const FHIR_JSON: &str = "application/fhir+json";

/// Why the TLS handshake refused the endpoint's certificate, if that is why sending failed:
/// the innermost error that speaks of a certificate (rustls's "invalid peer certificate:
/// UnknownIssuer", a name mismatch, an expired certificate).
fn certificate_problem(error: &reqwest::Error) -> Option<String> {
    let mut found = None;
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let text = e.to_string();
        if text.to_ascii_lowercase().contains("certificate") {
            found = Some(text);
        }
        source = e.source();
    }
    found
}

/// Sends `body` (the message Bundle) to `endpoint`. `Ok` only when the endpoint accepted it:
/// a 2xx answer, or both files in place in the mailbox folder.
pub async fn send(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    message_id: &str,
    body: Vec<u8>,
    from_mailbox: &str,
) -> Result<(), String> {
    match endpoint {
        Endpoint::Fhir { url } => post(client, url, body).await,
        Endpoint::Mailbox {
            folder,
            mailbox_id,
            workflow_id,
        } => {
            let control = mailbox_control_file(
                message_id,
                mailbox_id,
                from_mailbox,
                workflow_id.as_deref(),
                "Social prescribing episode summary",
            );
            let folder = folder.clone();
            let name = message_id.to_string();
            tokio::task::spawn_blocking(move || write_mailbox(&folder, &name, &body, &control))
                .await
                .map_err(|e| format!("writing the mailbox files stopped: {e}"))?
        }
    }
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Result<(), String> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, FHIR_JSON)
        .header(reqwest::header::ACCEPT, FHIR_JSON)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "the endpoint did not answer in time".to_string()
            } else if let Some(why) = certificate_problem(&e) {
                format!(
                    "the endpoint's HTTPS certificate is not trusted ({why}); nothing was sent. \
                     If the practice uses a private or NHS network CA, give it with --gp-delivery-ca-file"
                )
            } else if e.is_connect() {
                "could not connect to the endpoint".to_string()
            } else {
                format!("sending failed: {e}")
            }
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    // The start of the answer says why (an OperationOutcome, usually); never more.
    let text = response.text().await.unwrap_or_default();
    let said: String = text.chars().take(200).collect();
    Err(format!(
        "the endpoint answered HTTP {}: {said}",
        status.as_u16()
    ))
}

/// The data file `<id>.dat`, then the control file `<id>.ctl` (a MESH client sends a message
/// once its control file appears), each written to a hidden temporary file, flushed to disk
/// and renamed into place, so a reader never sees half a file. Writing the same message
/// again replaces it.
fn write_mailbox(folder: &Path, name: &str, body: &[u8], control: &str) -> Result<(), String> {
    if !folder.is_dir() {
        return Err(format!(
            "the mailbox folder {} does not exist",
            folder.display()
        ));
    }
    for (file, bytes) in [
        (format!("{name}.dat"), body),
        (format!("{name}.ctl"), control.as_bytes()),
    ] {
        let temporary = folder.join(format!(".{file}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut out = std::fs::File::create(&temporary)?;
            out.write_all(bytes)?;
            out.sync_all()?;
            std::fs::rename(&temporary, folder.join(&file))
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            format!("could not write {file} in the mailbox folder: {e}")
        })?;
    }
    // The renames themselves are durable once the folder is.
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}
