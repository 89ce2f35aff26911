//! `config`: where do things live, and what did the user ask for?
//!
//! Typed settings built once from the command line ([`crate::cli`]); no code
//! outside `cli` and this module sees a flag string.

use std::path::{Path, PathBuf};

/// Where blameless keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The data home: meetings, index, models.
    pub home: PathBuf,
    /// Installed ggml models.
    pub models: PathBuf,
}

impl Paths {
    /// Resolves the data home (`--home`, else `$XDG_DATA_HOME/blameless` or
    /// `~/.local/share/blameless`) and the models directory (`--models-dir`,
    /// else `HOME/models`).
    pub fn resolve(home: Option<&Path>, models: Option<&Path>) -> Paths {
        let home = home
            .map(Path::to_owned)
            .or_else(|| dirs::data_dir().map(|d| d.join("blameless")))
            .unwrap_or_else(|| PathBuf::from(".blameless"));
        let models = models
            .map(Path::to_owned)
            .unwrap_or_else(|| home.join("models"));
        Paths { home, models }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_live_under_home_unless_told_otherwise() {
        let p = Paths::resolve(Some(Path::new("/h")), None);
        assert_eq!(p.models, PathBuf::from("/h/models"));
        let p = Paths::resolve(Some(Path::new("/h")), Some(Path::new("/m")));
        assert_eq!(p.models, PathBuf::from("/m"));
    }
}
