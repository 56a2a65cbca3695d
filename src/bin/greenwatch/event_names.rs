//! `-e` names: pyinotify's (`IN_CLOSE_WRITE`, `ALL_EVENTS`) and inotifywait's
//! (`close_write`, `all_events`, `close`, `move`), in any case, with or without `IN_`.

use greenwatch::Mask;

/// inotifywait's event names beyond pyinotify's flags, and their masks.
const EXTRA: &[(&str, Mask)] = &[("CLOSE", Mask::IN_CLOSE), ("MOVE", Mask::IN_MOVE), ("ALL_EVENTS", Mask::ALL_EVENTS)];

/// The mask of one name, or `None`.
pub fn lookup(word: &str) -> Option<Mask> {
    let upper = word.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("IN_").unwrap_or(&upper);
    if let Some((_, mask)) = EXTRA.iter().find(|(name, _)| *name == bare) {
        return Some(*mask);
    }
    Mask::from_name(&format!("IN_{bare}")).or_else(|| Mask::from_name(bare))
}

/// ORs a `,`- or `|`-separated list; the error names the first bad word.
pub fn parse_list(list: &str) -> Result<Mask, String> {
    let mut mask = Mask::empty();
    for word in list.split([',', '|']).map(str::trim) {
        match lookup(word) {
            Some(m) => mask |= m,
            None if word.is_empty() => return Err(format!("-e/--events-list '{list}' holds an empty event name")),
            None => return Err(unknown(word)),
        }
    }
    Ok(mask)
}

/// The message for a name that is not an event, listing the accepted forms.
fn unknown(word: &str) -> String {
    let names: Vec<&str> = Mask::names().iter().map(|(name, _)| *name).chain(["IN_CLOSE", "IN_MOVE"]).collect();
    format!(
        "the event '{word}' given with -e/--events-list is not valid; accepted: {}, \
         in any case, with or without IN_ (inotifywait's close_write is IN_CLOSE_WRITE)",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyinotify_and_inotifywait_spellings_agree() {
        for word in ["IN_CLOSE_WRITE", "close_write", "CLOSE_WRITE", "in_close_write", "Close_Write"] {
            assert_eq!(lookup(word), Some(Mask::IN_CLOSE_WRITE), "{word}");
        }
        assert_eq!(lookup("all_events"), Some(Mask::ALL_EVENTS));
        assert_eq!(lookup("IN_ALL_EVENTS"), Some(Mask::ALL_EVENTS));
        assert_eq!(lookup("close"), Some(Mask::IN_CLOSE));
        assert_eq!(lookup("move"), Some(Mask::IN_MOVE));
        assert_eq!(lookup("moved_to"), Some(Mask::IN_MOVED_TO));
        assert_eq!(lookup("delete_self"), Some(Mask::IN_DELETE_SELF));
        assert_eq!(lookup("gw_resync_start"), Some(Mask::GW_RESYNC_START));
        assert_eq!(lookup("creat"), None);
    }

    #[test]
    fn lists_mix_spellings_and_name_the_bad_word() {
        assert_eq!(parse_list("create, IN_DELETE|moved_to"), Ok(Mask::IN_CREATE | Mask::IN_DELETE | Mask::IN_MOVED_TO));
        let err = parse_list("create,bogus").unwrap_err();
        assert!(err.contains("'bogus'") && err.contains("IN_CLOSE_WRITE") && err.contains("ALL_EVENTS"), "{err}");
        assert!(parse_list("create,,delete").unwrap_err().contains("empty"));
    }
}
