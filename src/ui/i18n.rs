//! The UI's strings in French and English, in one catalogue. A test checks every key has both.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// (key, French, English)
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("lesson", "Leçon", "Lesson"),
    ("terminal", "Terminal", "Terminal"),
    ("cluster", "Cluster", "Cluster"),
    ("control_plane", "Plan de contrôle", "Control plane"),
    ("workers", "Nœuds de travail", "Worker nodes"),
    ("terminal_input", "Ligne de commande du terminal", "Terminal command line"),
    ("switch_lang", "English", "Français"),
    ("sim_time", "Temps simulé", "Simulated time"),
    ("seed", "Graine", "Seed"),
    ("welcome_title", "Bienvenue dans kubesim", "Welcome to kubesim"),
    (
        "welcome_body",
        "Un vrai petit cluster Kubernetes tourne dans votre navigateur : un nœud de plan de contrôle et deux nœuds de travail. Tapez vos commandes dans le terminal et regardez le cluster réagir.",
        "A small Kubernetes cluster runs right in your browser: one control-plane node and two workers. Type commands in the terminal and watch the cluster react.",
    ),
    ("try_first", "Pour commencer, listez les nœuds :", "To start, list the nodes:"),
    ("try_help", "La commande help liste tout ce que le terminal connaît.", "The help command lists everything the terminal knows."),
];

/// The text for `key` in `lang` (the key itself when missing, which a test forbids).
pub fn t(lang: Lang, key: &str) -> &'static str {
    CATALOGUE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, fr, en)| if lang == Lang::Fr { *fr } else { *en })
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_is_unique() {
        for (i, (key, fr, en)) in CATALOGUE.iter().enumerate() {
            assert!(!fr.is_empty() && !en.is_empty(), "{key}");
            assert!(
                CATALOGUE[i + 1..].iter().all(|(k, _, _)| k != key),
                "duplicate {key}"
            );
        }
        assert_eq!(t(Lang::En, "lesson"), "Lesson");
        assert_eq!(t(Lang::Fr, "lesson"), "Leçon");
    }
}
