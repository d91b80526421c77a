//! An HTTP/1.1 server on 127.0.0.1 for the tests of downloaders: lsgan's own
//! (`lsgan download`) and the set-up's (`scripts/wheel_files.py`, through pip).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// An HTTP/1.1 server on 127.0.0.1 serving the files of a folder (404 for anything else).
/// It stops when dropped, after 60 seconds, or after 100 requests.
pub struct FileServer {
    /// `http://127.0.0.1:PORT/files/`: a file's URL is this and its name.
    pub base_url: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    /// Serves the files of `root` (read at each request, so a test may change them).
    pub fn start(root: &Path) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base_url = format!("http://{}/files/", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline && served < 100 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = answer(stream, &root);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        FileServer {
            base_url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") && request.len() < 16 * 1024 {
        if stream.read(&mut byte)? == 0 {
            break;
        }
        request.push(byte[0]);
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let file = path
        .strip_prefix("/files/")
        .filter(|name| !name.is_empty() && !name.contains(".."))
        .map(|name| root.join(name))
        .filter(|file| file.is_file());
    match file {
        Some(file) => {
            let body = std::fs::read(&file)?;
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html",
                _ => "application/octet-stream",
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)?;
        }
        None => {
            let body = b"not found";
            write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(body)?;
        }
    }
    stream.flush()
}
