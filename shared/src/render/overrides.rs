//! The files of `templates_dir` are checked against the built-in names before anything
//! is compiled: a file that replaces nothing (`ita/…`, `english/…`,
//! `eng/confirmaton.email.html`) would never be used, and a merchant who reworded a
//! message would never know it went out unchanged. Such a folder is refused, each file
//! named with its path and, where one is close, the name it was probably meant to have.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::RenderError;
use super::templates::EMBEDDED;
use crate::domain::contact::Language;

/// Folder names people write for a language, with the code our folders use.
const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("english", "eng"),
    ("french", "fre"),
    ("francais", "fre"),
    ("français", "fre"),
    ("spanish", "spa"),
    ("espanol", "spa"),
    ("español", "spa"),
    ("portuguese", "por"),
    ("portugues", "por"),
    ("português", "por"),
    ("dutch", "nld"),
    ("nederlands", "nld"),
    ("german", "deu"),
    ("deutsch", "deu"),
];

/// Refuses `names` (paths under `dir`, with `/`) that replace no built-in template.
/// New files under `partials/` are allowed: an overridden template may include them.
/// Templates of the configured flows (`<language>/<flow>.email.html`, `.sms.txt`,
/// `.whatsapp.txt`) are new files too, allowed in every language folder.
pub(super) fn check<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
    flows: &[&str],
) -> Result<(), RenderError> {
    let languages = languages();
    let is_flow = |name: &str| {
        name.split_once('/').is_some_and(|(folder, file)| {
            languages.contains(folder)
                && flows.iter().any(|f| {
                    file.strip_prefix(f).is_some_and(|rest| {
                        rest == ".email.html" || rest == ".sms.txt" || rest == ".whatsapp.txt"
                    })
                })
        })
    };
    let problems: Vec<String> = names
        .into_iter()
        .filter(|name| !is_flow(name))
        .filter_map(|name| problem(name).map(|why| format!("{}: {why}", dir.join(name).display())))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(RenderError::UnusedTemplates {
        path: dir.display().to_string(),
        problems: problems.join("\n  "),
    })
}

/// Why the override `name` would never be used, or `None` when it replaces a built-in
/// template (or adds a partial).
fn problem(name: &str) -> Option<String> {
    if EMBEDDED.iter().any(|(builtin, _)| *builtin == name) || name.starts_with("partials/") {
        return None;
    }
    let languages = languages();
    if let Some((folder, _)) = name.split_once('/')
        && !languages.contains(folder)
    {
        let list = languages.iter().copied().collect::<Vec<_>>().join(", ");
        let meant = meant_language(folder, &languages);
        return Some(match meant {
            Some(code) => format!(
                "`{folder}` is not a language folder: did you mean `{code}`? (language folders: {list})"
            ),
            None => format!(
                "`{folder}` is not a language folder: there are built-in templates in {list} only"
            ),
        });
    }
    if let Some(builtin) = closest(name) {
        return Some(format!(
            "not a built-in template: did you mean `{builtin}`?"
        ));
    }
    // The right file name in a language that has no such template (staff kinds).
    let (folder, file) = name.split_once('/').unwrap_or(("", name));
    let elsewhere: Vec<&str> = EMBEDDED
        .iter()
        .filter_map(|(builtin, _)| builtin.split_once('/'))
        .filter(|(other, other_file)| *other_file == file && *other != folder)
        .map(|(other, _)| other)
        .collect();
    if !elsewhere.is_empty() {
        return Some(format!(
            "not a built-in template: `{file}` exists in {} only",
            elsewhere.join(", ")
        ));
    }
    Some(
        "not a built-in template: a file replaces the built-in file of the same path \
         (`<language>/<kind>.email.html`, `<language>/<kind>.sms.txt`, \
         `<language>/<kind>.whatsapp.txt`, `<language>/labels.toml`, `layout.html`, \
         `layout.txt`, `whatsapp.toml`, `partials/…`)"
            .to_owned(),
    )
}

/// The language folders of the built-in templates (`deu`, `eng`, …).
fn languages() -> BTreeSet<&'static str> {
    EMBEDDED
        .iter()
        .filter_map(|(name, _)| name.split_once('/').map(|(folder, _)| folder))
        .filter(|folder| *folder != "partials")
        .collect()
}

/// The language folder `folder` probably means: `fr`, `fra`, `fr-CA`, `French` → `fre`.
fn meant_language(folder: &str, languages: &BTreeSet<&'static str>) -> Option<&'static str> {
    let lower = folder.to_lowercase();
    let code = LANGUAGE_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| (*code).to_owned())
        .or_else(|| Language::parse(folder).map(|l| l.code().to_owned()))?;
    languages.iter().copied().find(|l| *l == code)
}

/// The built-in name of the same folder nearest to `name`, when a slip of a few letters
/// away.
fn closest(name: &str) -> Option<&'static str> {
    let folder = |n: &str| n.split_once('/').map(|(f, _)| f.to_owned());
    EMBEDDED
        .iter()
        .filter(|(builtin, _)| folder(builtin) == folder(name))
        .map(|(builtin, _)| (distance(name, builtin), *builtin))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, builtin)| builtin)
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_and_new_partials_are_accepted() {
        assert_eq!(problem("fre/confirmation.email.html"), None);
        assert_eq!(problem("eng/labels.toml"), None);
        assert_eq!(problem("layout.html"), None);
        assert_eq!(problem("partials/my-banner.html"), None);
    }

    #[test]
    fn a_language_folder_we_have_no_templates_for_is_named_with_the_valid_ones() {
        assert_eq!(
            problem("ita/confirmation.email.html").as_deref(),
            Some(
                "`ita` is not a language folder: there are built-in templates in deu, eng, fre, nld, por, spa only"
            )
        );
    }

    #[test]
    fn a_language_written_another_way_gets_its_folder_name() {
        for folder in ["english", "en", "EN-ca"] {
            assert_eq!(
                problem(&format!("{folder}/confirmation.email.html")),
                Some(format!(
                    "`{folder}` is not a language folder: did you mean `eng`? \
                     (language folders: deu, eng, fre, nld, por, spa)"
                ))
            );
        }
        assert!(
            problem("fra/reminder.sms.txt")
                .unwrap()
                .contains("did you mean `fre`?")
        );
    }

    #[test]
    fn a_misspelt_file_gets_the_name_it_was_meant_to_have() {
        assert_eq!(
            problem("eng/confirmaton.email.html").as_deref(),
            Some("not a built-in template: did you mean `eng/confirmation.email.html`?")
        );
        assert_eq!(
            problem("fre/remidner.sms.txt").as_deref(),
            Some("not a built-in template: did you mean `fre/reminder.sms.txt`?")
        );
        assert_eq!(
            problem("layuot.html").as_deref(),
            Some("not a built-in template: did you mean `layout.html`?")
        );
    }

    #[test]
    fn a_file_far_from_any_name_says_which_names_exist() {
        let why = problem("eng/welcome-letter.email.html").unwrap();
        assert!(
            why.starts_with("not a built-in template: a file replaces"),
            "{why}"
        );
        // Staff kinds exist in English and French only.
        assert_eq!(
            problem("spa/staff_new_booking.email.html").as_deref(),
            Some("not a built-in template: `staff_new_booking.email.html` exists in eng, fre only")
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("confirmaton", "confirmation"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
