//! The terminal while the screen is shown: the alternate screen with the cursor hidden, and
//! key presses read one at a time without echo (`q` quits; Ctrl-C stays a signal). Everything is
//! restored when the guard drops, whatever ends the watch (a key, a signal, an error, a panic).

use std::io::{self, IsTerminal as _, Read as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

/// Enter the alternate screen and hide the cursor.
const ENTER: &str = "\x1b[?1049h\x1b[?25l";
/// Show the cursor and leave the alternate screen.
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";

/// The terminal in screen mode; restored on drop.
pub(crate) struct Terminal {
    /// The input settings to restore (`None` when stdin is not a terminal: no keys then).
    saved: Option<Termios>,
}

impl Terminal {
    /// Takes the terminal over; `quit` is set when `q` is pressed.
    ///
    /// # Errors
    /// The terminal cannot be written or its settings cannot be changed.
    pub(crate) fn enter(quit: Arc<AtomicBool>) -> io::Result<Terminal> {
        let stdin = io::stdin();
        let saved = if stdin.is_terminal() {
            let saved = termios::tcgetattr(&stdin)?;
            let mut keys = saved.clone();
            keys.local_flags
                .remove(LocalFlags::ICANON | LocalFlags::ECHO);
            keys.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
            keys.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
            termios::tcsetattr(&stdin, SetArg::TCSANOW, &keys)?;
            std::thread::spawn(move || read_keys(&quit));
            Some(saved)
        } else {
            None
        };
        let terminal = Terminal { saved };
        let mut out = io::stdout().lock();
        out.write_all(ENTER.as_bytes())?;
        out.flush()?;
        Ok(terminal)
    }

    /// Replaces the screen's contents with `lines` (already cut to the terminal's size).
    ///
    /// # Errors
    /// The terminal cannot be written.
    pub(crate) fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        let mut frame = String::from("\x1b[H");
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                frame.push_str("\r\n");
            }
            frame.push_str(line);
            frame.push_str("\x1b[K");
        }
        frame.push_str("\x1b[J");
        let mut out = io::stdout().lock();
        out.write_all(frame.as_bytes())?;
        out.flush()
    }

    /// The terminal's size in columns and rows (80×24 when it cannot be told).
    pub(crate) fn size() -> (usize, usize) {
        terminal_size::terminal_size_of(io::stdout())
            .map_or((80, 24), |(w, h)| (usize::from(w.0), usize::from(h.0)))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let mut out = io::stdout().lock();
        let _ = out.write_all(LEAVE.as_bytes());
        let _ = out.flush();
        if let Some(saved) = &self.saved {
            let _ = termios::tcsetattr(io::stdin(), SetArg::TCSANOW, saved);
        }
    }
}

/// Reads key presses until `q` (or the end of input) and then sets `quit`.
fn read_keys(quit: &AtomicBool) {
    let mut byte = [0u8; 1];
    let mut stdin = io::stdin();
    loop {
        match stdin.read(&mut byte) {
            Ok(1) if !matches!(byte[0], b'q' | b'Q') => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => break,
        }
    }
    quit.store(true, Ordering::Relaxed);
}
