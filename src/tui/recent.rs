//! What the wizard remembers between sessions: the last deployment URL, recent files and recent mappings, in
//! `recent.toml` in the user's config directory (XDG on Linux: `~/.config/talon-import/`; override with
//! `TALON_IMPORT_CONFIG_DIR`). Never a key: the struct has no field that could hold one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many files and mappings are remembered.
const KEEP: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<PathBuf>,
}

/// `recent.toml` in the config directory, if there is one.
pub fn path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TALON_IMPORT_CONFIG_DIR") {
        return Some(PathBuf::from(dir).join("recent.toml"));
    }
    directories::ProjectDirs::from("", "", "talon-import")
        .map(|d| d.config_dir().join("recent.toml"))
}

impl Recent {
    /// Reads the file; a missing or unreadable one is an empty memory (logged, never an error).
    pub fn load(path: &Path) -> Recent {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!("ignoring {}: {e}", path.display());
                Recent::default()
            }),
            Err(_) => Recent::default(),
        }
    }

    /// Writes the file (best effort: a read-only home must not break the wizard).
    pub fn save(&self, path: &Path) {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let text = toml::to_string(self).map_err(std::io::Error::other)?;
            std::fs::write(path, text)
        };
        if let Err(e) = write() {
            tracing::warn!("could not remember recent files in {}: {e}", path.display());
        }
    }

    pub fn remember_file(&mut self, file: &Path) {
        push_front(&mut self.files, absolute(file));
    }

    pub fn remember_mapping(&mut self, mapping: &Path) {
        push_front(&mut self.mappings, absolute(mapping));
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn push_front(list: &mut Vec<PathBuf>, item: PathBuf) {
    list.retain(|p| *p != item);
    list.insert(0, item);
    list.truncate(KEEP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_url_files_and_mappings_most_recent_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/recent.toml");
        let mut r = Recent::load(&path);
        assert_eq!(r, Recent::default());
        r.url = Some("https://acme.europe-west1.talon.one".into());
        for i in 0..10 {
            r.remember_file(&dir.path().join(format!("f{i}.csv")));
        }
        r.remember_file(&dir.path().join("f5.csv"));
        r.remember_mapping(&dir.path().join("m.toml"));
        r.save(&path);
        let back = Recent::load(&path);
        assert_eq!(back, r);
        assert_eq!(back.files.len(), KEEP);
        assert_eq!(back.files[0], dir.path().join("f5.csv"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.to_lowercase().contains("key"));
    }

    #[test]
    fn a_broken_file_is_an_empty_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recent.toml");
        std::fs::write(&path, "url = [").unwrap();
        assert_eq!(Recent::load(&path), Recent::default());
    }
}
