//! The UI's strings in French and English, in one catalogue. Tests check every key has both
//! languages and that every key the UI code uses exists.
//!
//! ```
//! use kubesim::ui::i18n::{t, tf, Lang};
//! assert_eq!(t(Lang::En, "lesson"), "Lesson");
//! assert_eq!(tf(Lang::En, "flow_bind", &[("name", "default/web"), ("target", "w1")]), "The scheduler chose w1 for pod default/web.");
//! ```

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
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// (key, French, English). Templates use `{name}` placeholders filled by [`tf`].
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("lesson", "Leçon", "Lesson"),
    ("lessons", "Leçons", "Lessons"),
    ("terminal", "Terminal", "Terminal"),
    ("cluster", "Cluster", "Cluster"),
    ("control_plane", "Plan de contrôle", "Control plane"),
    ("managed_cp", "Plan de contrôle géré par le fournisseur", "Control plane managed by the provider"),
    ("workers", "Nœuds de travail", "Worker nodes"),
    ("terminal_input", "Ligne de commande du terminal", "Terminal command line"),
    ("switch_lang", "English", "Français"),
    ("switch_lang_label", "Switch to English", "Passer en français"),
    ("sim_time", "Temps simulé", "Simulated time"),
    ("seed", "Graine", "Seed"),
    ("play", "Lecture", "Play"),
    ("pause", "Pause", "Pause"),
    ("step", "Pas à pas", "Step"),
    ("step_title", "Avancer d'une interaction (une requête à l'API)", "Advance one interaction (one API request)"),
    ("stable", "Jusqu'à stabilité", "Until stable"),
    ("stable_title", "Faire tourner la simulation jusqu'à ce que plus rien ne change", "Run the simulation until nothing changes any more"),
    ("speed", "Vitesse", "Speed"),
    ("behind", "en retard de {s} s", "{s} s behind"),
    ("behind_title", "Le cluster est trop occupé pour être simulé à cette vitesse : le temps simulé prend du retard et le rattrape quand le cluster se calme.", "The cluster is too busy to simulate at this speed: simulated time falls behind and catches up when the cluster calms down."),
    ("theme", "Thème", "Theme"),
    ("theme_dark", "Passer en thème sombre", "Switch to dark theme"),
    ("theme_light", "Passer en thème clair", "Switch to light theme"),
    ("presenter", "Présentation", "Presenter"),
    ("presenter_title", "Mode présentation : grandes polices, schéma agrandi", "Presenter mode: large fonts, enlarged diagram"),
    ("help", "Aide", "Help"),
    ("shortcuts", "Raccourcis clavier", "Keyboard shortcuts"),
    ("close", "Fermer", "Close"),
    ("export", "Exporter", "Export"),
    ("export_title", "Télécharger la session (fichier local)", "Download the session (local file)"),
    ("import", "Importer", "Import"),
    ("import_title", "Charger une session depuis un fichier", "Load a session from a file"),
    ("import_failed", "Fichier de session illisible : {error}", "Unreadable session file: {error}"),
    ("imported", "Session importée.", "Session imported."),
    ("corrupt_notice", "La session enregistrée est illisible ({error}) : nouveau départ. L'ancienne est gardée pour l'export.", "The saved session could not be read ({error}): starting fresh. The old one is kept for export."),
    ("export_corrupt", "Exporter l'ancienne session", "Export the old session"),
    ("dismiss", "Fermer le message", "Dismiss"),
    ("tab_cluster", "Cluster", "Cluster"),
    ("tab_flow", "Boucle de contrôle", "Control loop"),
    ("tab_faults", "Pannes", "Faults"),
    ("tab_timeline", "Historique", "Timeline"),
    ("views", "Vues du cluster", "Cluster views"),
    ("pods", "Pods", "Pods"),
    ("unscheduled", "Pods en attente de placement", "Pods waiting to be scheduled"),
    ("services", "Services et endpoints", "Services and endpoints"),
    ("no_endpoints", "aucun endpoint prêt", "no ready endpoints"),
    ("no_services", "Aucun Service", "No Services"),
    ("no_current_cluster", "Le contexte courant du kubeconfig ne mène à aucun cluster : kubectl n'a rien à qui parler. Choisissez un contexte avec kubectl config use-context.", "The kubeconfig's current context leads to no cluster: kubectl has nothing to talk to. Pick one with kubectl config use-context."),
    ("stopped", "arrêté", "stopped"),
    ("powered_off", "éteint", "powered off"),
    ("cordoned", "non planifiable", "cordoned"),
    ("contexts", "Contextes", "Contexts"),
    ("current_context", "contexte courant", "current context"),
    ("details", "Détails", "Details"),
    ("yaml", "YAML", "YAML"),
    ("describe", "describe", "describe"),
    ("component_up", "{name} tourne.", "{name} is running."),
    ("component_down", "{name} est arrêté : ce qu'il fait ne se fait plus.", "{name} is stopped: its work no longer happens."),
    ("stop", "Arrêter", "Stop"),
    ("start", "Démarrer", "Start"),
    ("power_off", "Éteindre", "Power off"),
    ("power_on", "Allumer", "Power on"),
    ("kill", "Tuer", "Kill"),
    ("restore", "Restaurer", "Restore"),
    ("partition", "Isoler", "Partition"),
    ("heal", "Reconnecter", "Reconnect"),
    ("faults_cp", "Composants du plan de contrôle", "Control-plane components"),
    ("faults_etcd", "Membres etcd", "etcd members"),
    ("faults_nodes", "Nœuds", "Nodes"),
    ("fault_kubelet", "kubelet", "kubelet"),
    ("fault_runtime", "runtime de conteneurs", "container runtime"),
    ("fault_power", "alimentation", "power"),
    ("fault_partition", "réseau", "network"),
    ("flow_log", "Journal des échanges", "Interaction log"),
    ("flow_noise", "Montrer lectures et battements de cœur", "Show reads and heartbeats"),
    ("flow_empty", "Tapez une commande : chaque requête à l'API apparaîtra ici, expliquée.", "Type a command: every API request will show up here, explained."),
    ("flow_kubectl_write", "kubectl demande à l'API server : {verb} {kind} {name}. L'API server l'écrit dans etcd (révision {rev}).", "kubectl asks the API server to {verb} {kind} {name}. The API server writes it to etcd (revision {rev})."),
    ("flow_kubectl_read", "kubectl lit {kind} {name} via l'API server (lecture, rien n'est écrit).", "kubectl reads {kind} {name} through the API server (a read: nothing is written)."),
    ("flow_bind", "Le scheduler a choisi {target} pour le pod {name}.", "The scheduler chose {target} for pod {name}."),
    ("flow_bind_reason", "Le scheduler a choisi {target} pour le pod {name} : {reason}.", "The scheduler chose {target} for pod {name}: {reason}."),
    ("flow_kubelet_status", "Le kubelet de {node} demande au runtime de conteneurs de lancer {name}, puis rapporte son état : {state}.", "The kubelet on {node} asks the container runtime to run {name}, then reports its status: {state}."),
    ("flow_kubelet_delete", "Le kubelet de {node} a arrêté les conteneurs de {name} et confirme sa suppression.", "The kubelet on {node} stopped the containers of {name} and confirms its deletion."),
    ("flow_heartbeat", "Le kubelet de {node} envoie son battement de cœur.", "The kubelet on {node} sends its heartbeat."),
    ("flow_controller_create_pod", "{actor} crée le pod {name} pour atteindre l'état voulu ; le scheduler le verra par sa watch.", "{actor} creates pod {name} to reach the desired state; the scheduler will see it through its watch."),
    ("flow_controller_create", "{actor} crée {kind} {name} : il manquait pour atteindre l'état voulu.", "{actor} creates {kind} {name}: it was missing from the desired state."),
    ("flow_controller_delete", "{actor} supprime {kind} {name} : il n'a plus sa place dans l'état voulu.", "{actor} deletes {kind} {name}: it no longer belongs to the desired state."),
    ("flow_controller_write", "{actor} met à jour {kind} {name} ({verb}) pour converger vers l'état voulu.", "{actor} updates {kind} {name} ({verb}) to converge on the desired state."),
    ("flow_other_write", "{actor} : {verb} {kind} {name} (révision {rev}).", "{actor}: {verb} {kind} {name} (revision {rev})."),
    ("flow_read", "{actor} lit {kind} {name}.", "{actor} reads {kind} {name}."),
    ("sched_reason", "meilleur score, {score}, parmi {n} nœuds possibles ({plugin} : {plugin_score})", "best score, {score}, of {n} feasible nodes ({plugin}: {plugin_score})"),
    ("sched_table", "Notes du scheduler par nœud et par plugin", "Scheduler scores per node and plugin"),
    ("timeline_empty", "Aucune commande pour l'instant.", "No commands yet."),
    ("undo", "Annuler la dernière commande", "Undo last command"),
    ("reset", "Revenir au début de la leçon", "Reset to lesson start"),
    ("rewind_here", "Revenir avant", "Rewind to before"),
    ("view_rev", "Voir le cluster à la révision {rev}", "View the cluster at revision {rev}"),
    ("viewing_rev", "Lecture seule : le cluster à la révision etcd {rev}.", "Read-only: the cluster at etcd revision {rev}."),
    ("back_live", "Revenir au direct", "Back to live"),
    ("rewound", "⟲ Retour avant : {cmd}", "⟲ Rewound to before: {cmd}"),
    ("revision", "révision", "revision"),
    ("run", "Exécuter", "Run"),
    ("run_title", "Taper cette commande dans le terminal", "Type this command in the terminal"),
    ("copy", "Copier", "Copy"),
    ("copied", "Copié", "Copied"),
    ("tip", "Astuce", "Tip"),
    ("solution", "Solution", "Solution"),
    ("show_solution", "Voir la solution", "Show the solution"),
    ("confirm_solution", "Sûr ? Essayer d'abord apprend davantage.", "Sure? Trying first teaches more."),
    ("yes_show", "Oui, montrer", "Yes, show it"),
    ("hint", "Indice", "Hint"),
    ("next_hint", "Un indice", "A hint"),
    ("quiz_right", "Exact !", "Correct!"),
    ("quiz_wrong", "Pas tout à fait, réessayez.", "Not quite, try again."),
    ("step_done", "Étape réussie", "Step done"),
    ("step_todo", "À faire", "To do"),
    ("step_n", "Étape {n} sur {total}", "Step {n} of {total}"),
    ("next", "Suivant", "Next"),
    ("previous", "Précédent", "Previous"),
    ("mark_read", "J'ai lu, continuer", "Read it, continue"),
    ("course_index", "Sommaire", "Contents"),
    ("lesson_done", "Leçon terminée, bravo !", "Lesson complete, well done!"),
    ("lesson_load_failed", "Impossible de charger la leçon {id} : {error}", "Could not load lesson {id}: {error}"),
    ("progress", "Progression", "Progress"),
    ("editor", "Éditeur", "Editor"),
    ("editor_label", "Contenu de {path}", "Contents of {path}"),
    ("save", "Enregistrer", "Save"),
    ("cancel", "Annuler", "Cancel"),
    ("editor_keys", "Ctrl+S enregistre, Échap annule", "Ctrl+S saves, Esc cancels"),
    ("resize", "Redimensionner (flèches gauche/droite)", "Resize (left/right arrows)"),
    ("demo", "Démo", "Demo"),
    ("demo_running", "Démo en cours : {n}/{total}", "Demo running: {n}/{total}"),
    ("demo_stop", "Arrêter la démo", "Stop demo"),
    ("demo_play_title", "Jouer la démo de cette leçon (commandes, pannes et pauses)", "Play this lesson's demo (commands, faults and pauses)"),
    ("demo_continue", "Continuer", "Continue"),
    ("demo_continue_title", "Passer à l'étape suivante de la démo (Alt+C)", "Go on to the demo's next entry (Alt+C)"),
    ("demo_held", "En pause : à vous d'expliquer.", "Paused: your turn to explain."),
    ("k_demo", "Alt+C : continuer la démo", "Alt+C: continue the demo"),
    ("k_enter", "Entrée : exécuter la commande", "Enter: run the command"),
    ("k_history", "↑ / ↓ : historique des commandes", "↑ / ↓: command history"),
    ("k_tab", "Tab : compléter", "Tab: complete"),
    ("k_ctrl_c", "Ctrl+C : interrompre", "Ctrl+C: interrupt"),
    ("k_ctrl_l", "Ctrl+L : effacer l'écran", "Ctrl+L: clear the screen"),
    ("k_space", "Alt+P : lecture / pause", "Alt+P: play / pause"),
    ("k_step", "Alt+N : pas à pas", "Alt+N: single step"),
    ("k_stable", "Alt+S : jusqu'à stabilité", "Alt+S: run until stable"),
    ("k_speed", "Alt+↑ / Alt+↓ : vitesse", "Alt+↑ / Alt+↓: speed"),
    ("k_undo", "Alt+Z : annuler la dernière commande", "Alt+Z: undo last command"),
    ("k_presenter", "Alt+M : mode présentation", "Alt+M: presenter mode"),
    ("k_tabs", "Alt+1…4 : onglets du cluster", "Alt+1…4: cluster tabs"),
    ("k_help", "F1 ou Alt+H : cette aide", "F1 or Alt+H: this help"),
    ("k_focus", "Alt+T : aller au terminal", "Alt+T: focus the terminal"),
    ("k_url", "Partager un état : ?lesson=…&lang=en&preset=kind&seed=42&cmds=kubectl get nodes;kubectl run web --image=nginx&presenter=1&demo=…", "Share a state: ?lesson=…&lang=en&preset=kind&seed=42&cmds=kubectl get nodes;kubectl run web --image=nginx&presenter=1&demo=…"),
    ("share", "Lien de partage", "Share link"),
    ("share_title", "Copier un lien qui recrée cette session", "Copy a link that recreates this session"),
    ("link_copied", "Lien copié dans le presse-papiers.", "Link copied to the clipboard."),
    ("nodes_pods", "{nodes} nœuds · {pods} pods", "{nodes} nodes · {pods} pods"),
    ("loading", "Chargement…", "Loading…"),
    (
        "split_failed",
        "Une partie de kubesim n'a pas pu être téléchargée (outils de cluster, kubectl describe…) : rechargez la page.",
        "Part of kubesim could not be downloaded (cluster tools, kubectl describe…): reload the page.",
    ),
    ("answer", "Répondre", "Answer"),
    ("warning", "Attention", "Warning"),
    ("note", "Note", "Note"),
    ("introduction", "Introduction", "Introduction"),
    ("next_lesson", "Leçon suivante : {title} →", "Next lesson: {title} →"),
    ("course_done", "Vous avez terminé tout le cours. Bravo !", "You have finished the whole course. Well done!"),
    // Live lesson diagrams (lesson_diagram.rs).
    ("dg_live", "En direct", "Live"),
    ("dg_control_plane", "Control plane", "Control plane"),
    ("dg_managed_cp", "Control plane (géré par le fournisseur)", "Control plane (run by the provider)"),
    ("dg_at_provider", "Chez le fournisseur, invisible", "At the provider, out of sight"),
    ("dg_nodes", "Nœuds (kubelet)", "Nodes (kubelet)"),
    ("dg_workers", "Nœuds workers", "Worker nodes"),
    ("dg_unscheduled", "Pods en attente d'un nœud", "Pods waiting for a node"),
    ("dg_system_pods", "+{n} pods système", "+{n} system pods"),
    ("dg_other_pods", "+{n} autres pods", "+{n} other pods"),
    ("dg_endpoints", "{n} endpoint(s)", "{n} endpoint(s)"),
    ("dg_running", "en marche", "running"),
    ("dg_stopped", "arrêté", "stopped"),
    ("dg_powered_off", "éteint", "powered off"),
    ("dg_leader", "leader", "leader"),
    ("dg_none", "aucun", "none"),
    ("dg_role_cp", "control plane", "control plane"),
    ("dg_role_worker", "worker", "worker"),
    ("dg_members_up", "{up}/{total} membres en marche", "{up}/{total} members running"),
    ("dg_quorum", "Quorum : {quorum} membres sur {total} · {up} en marche", "Quorum: {quorum} of {total} members · {up} running"),
    ("dg_writes_ok", "Les écritures passent.", "Writes go through."),
    ("dg_writes_fail", "Pas de quorum : les écritures échouent.", "No quorum: writes fail."),
    ("dg_term_rev", "Mandat Raft {term} · révision {revision}", "Raft term {term} · revision {revision}"),
    ("dg_etcd_hidden", "etcd tourne chez le fournisseur : ses membres ne sont pas visibles.", "etcd runs at the provider: its members are out of sight."),
    ("dg_files", "Fichiers lus : {files}", "Files read: {files}"),
    ("dg_current", "contexte courant", "current context"),
    ("dg_dangling", "désigne un nom qui n'existe pas", "refers to nothing"),
    ("dg_no_answer", "personne ne répond à cette adresse", "nothing answers at this address"),
    ("dg_no_clusters", "Aucun cluster pour l'instant.", "No cluster yet."),
    ("dg_nodes_ready", "{ready}/{nodes} nœuds Ready", "{ready}/{nodes} nodes Ready"),
    ("dg_contexts", "contextes : {list}", "contexts: {list}"),
    ("dg_no_context", "aucun contexte ne le vise", "no context points at it"),
    ("dg_targeted", "cible de kubectl", "kubectl's target"),
    ("dg_cp_foot", "Tout passe par kube-apiserver, seul à parler à etcd.", "Everything goes through kube-apiserver, the only one talking to etcd."),
    ("dg_no_cluster", "kubectl n'est connecté à aucun cluster pour l'instant : le schéma apparaîtra dès qu'il le sera.", "kubectl is not connected to any cluster yet: the picture appears as soon as it is."),
    ("dg_unknown_cluster", "Le cluster {name} n'existe pas encore.", "The cluster {name} does not exist yet."),
    ("dg_kubeconfig_error", "kubectl ne peut pas lire le kubeconfig : {error}", "kubectl cannot read the kubeconfig: {error}"),
    ("dg_bad", "Schéma invalide : {error}", "Invalid diagram: {error}"),
    ("dg_alt_cluster", "Cluster {name} : {cps} nœud(s) control plane, {workers} worker(s).", "Cluster {name}: {cps} control-plane node(s), {workers} worker(s)."),
    ("dg_alt_node", "{name}, {role}, {ready}. Composants : {comps}. Pods : {pods}.", "{name}, {role}, {ready}. Components: {comps}. Pods: {pods}."),
    ("dg_alt_cp", "Control plane de {name} : qui parle à qui.", "Control plane of {name}: who talks to whom."),
    ("dg_alt_etcd", "etcd de {name} : {total} membres, leader : {leader}.", "etcd of {name}: {total} members, leader: {leader}."),
    ("dg_alt_kubeconfig", "kubeconfig ({files}) ; contexte courant : {current}.", "kubeconfig ({files}); current context: {current}."),
    ("dg_alt_context", "contexte {name} → cluster {cluster}, utilisateur {user}", "context {name} → cluster {cluster}, user {user}"),
    ("dg_alt_clusters", "{n} cluster(s) sur votre machine et chez vos fournisseurs.", "{n} cluster(s) on your machine and at your providers."),
    ("welcome_term", "Bienvenue dans kubesim. Tapez help pour la liste des commandes, ou cliquez sur Exécuter dans la leçon.", "Welcome to kubesim. Type help for the list of commands, or click Run in the lesson."),
];

/// The text for `key` in `lang` (`?` when missing, which a test forbids).
pub fn t(lang: Lang, key: &str) -> &'static str {
    CATALOGUE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, fr, en)| if lang == Lang::Fr { *fr } else { *en })
        .unwrap_or("?")
}

/// [`t`] with `{name}` placeholders filled from `args`.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
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
            // Same placeholders in both languages.
            let holes = |s: &str| {
                let mut v: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_string()))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(holes(fr), holes(en), "{key}");
        }
        assert_eq!(t(Lang::En, "lesson"), "Lesson");
        assert_eq!(t(Lang::Fr, "lesson"), "Leçon");
        assert_eq!(t(Lang::Fr, "no-such-key"), "?");
    }

    /// Every `t(_, "key")` / `tf(_, "key"` / `say("key"` in the UI sources names a real key.
    #[test]
    fn every_key_used_by_the_ui_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
        let mut used = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            for pat in ["t(l, \"", "tf(l, \"", "say(\"", "t(lang, \"", "tf(lang, \""] {
                for part in src.split(pat).skip(1) {
                    let key = part.split('"').next().unwrap();
                    if key == "key" || key == "no-such-key" {
                        continue;
                    }
                    used += 1;
                    assert!(
                        CATALOGUE.iter().any(|(k, _, _)| *k == key),
                        "{}: unknown i18n key {key:?}",
                        path.display()
                    );
                }
            }
        }
        assert!(used > 50, "found only {used} uses: the scan is broken");
    }
}
