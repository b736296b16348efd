//! Who we are: the host name and the `host:pid` lease owner written into the state.

/// The machine's host name, or `localhost` when it cannot be read or is empty.
#[must_use]
pub(crate) fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .map(|name| name.to_string_lossy().trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// This process as a lease owner: `<host>:<pid>`.
#[must_use]
pub(crate) fn host_pid() -> String {
    format!("{}:{}", hostname(), std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_pid_is_host_colon_pid() {
        let owner = host_pid();
        let (host, pid) = owner.rsplit_once(':').expect("a colon");
        assert_eq!(host, hostname());
        assert_eq!(pid, std::process::id().to_string());
        assert!(!host.is_empty());
    }
}
