use super::*;
use serde::Deserialize;
use serde_json::json;

/// The corpus the widget's browser test reads too.
const CORPUS: &str = include_str!("../../../tests/fixtures/privacy.json");

#[derive(Deserialize)]
struct Corpus {
    controls: Vec<Case>,
    url_params: Params,
    urls: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Case {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    autocomplete: String,
    #[serde(default)]
    value: String,
    drop: bool,
}

#[derive(Deserialize)]
struct Params {
    strip: Vec<String>,
    keep: Vec<String>,
}

fn corpus() -> Corpus {
    serde_json::from_str(CORPUS).expect("tests/fixtures/privacy.json is valid")
}

#[test]
fn every_control_in_the_corpus_is_dropped_or_kept_as_it_says() {
    let wrong: Vec<String> = corpus()
        .controls
        .iter()
        .filter(|case| {
            let control = Control { kind: &case.kind, name: &case.name, autocomplete: &case.autocomplete, value: &case.value };
            is_secret_control(&control) != case.drop
        })
        .map(|case| format!("{} {:?} {:?} {:?} should drop: {}", case.kind, case.name, case.autocomplete, case.value, case.drop))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_server_applies_the_corpus_to_posted_fields() {
    for case in corpus().controls.iter().filter(|case| case.kind.is_empty() && case.autocomplete.is_empty()) {
        let name = if case.name.is_empty() { "probe" } else { &case.name };
        let value = if case.value.is_empty() { "x" } else { &case.value };
        assert_eq!(is_secret_field(name, &json!(value)), case.drop, "{name:?} = {value:?}");
    }
}

#[test]
fn every_url_parameter_in_the_corpus_is_stripped_or_kept_as_it_says() {
    let params = corpus().url_params;
    for name in &params.strip {
        assert!(is_secret_param(name), "{name} should be stripped");
    }
    for name in &params.keep {
        assert!(!is_secret_param(name), "{name} should be kept");
    }
}

#[test]
fn urls_lose_only_their_secret_parameters() {
    for (url, stored) in corpus().urls {
        assert_eq!(without_secret_params(&url), stored, "{url}");
    }
}

#[test]
fn card_numbers_are_found_as_numbers_and_in_lists() {
    assert!(is_secret_field("amount", &json!(4242424242424242_u64)));
    assert!(is_secret_field("refs", &json!(["a", "4111 1111 1111 1111"])));
    assert!(!is_secret_field("refs", &json!(["a", "b"])));
    assert!(!is_secret_field("amount", &json!(12.5)));
}

#[test]
fn luhn_needs_13_to_19_digits_and_nothing_but_spaces_and_dashes_between() {
    assert!(is_card_number("4242424242424242"));
    assert!(is_card_number(" 4242 4242-4242 4242 "));
    assert!(!is_card_number("79927398713"), "11 digits is too short, although Luhn-valid");
    assert!(!is_card_number("12345678901234567894"), "20 digits is too long");
    assert!(!is_card_number("4242424242424241"));
    assert!(!is_card_number("4242x4242424242424"));
    assert!(!is_card_number("４２４２４２４２４２４２４２４２"), "only ASCII digits");
    assert!(!is_card_number(""));
}

/// A cheap property test: every number of every length, check digit and
/// separator placement agrees with a plain reference implementation.
#[test]
fn luhn_agrees_with_a_reference_on_many_numbers() {
    let reference = |digits: &str| {
        let mut sum = 0;
        for (i, c) in digits.bytes().rev().enumerate() {
            let d = u32::from(c - b'0');
            sum += if i % 2 == 1 { (d * 2) / 10 + (d * 2) % 10 } else { d };
        }
        sum % 10 == 0
    };
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let length = 10 + (seed % 12) as usize;
        let digits: String = (0..length).map(|i| char::from(b'0' + ((seed >> (i % 60)) % 10) as u8)).collect();
        let spaced: String = digits.chars().enumerate().flat_map(|(i, c)| [c].into_iter().chain((i % 4 == 3).then_some(' '))).collect();
        let expected = (13..=19).contains(&length) && reference(&digits);
        assert_eq!(is_card_number(&digits), expected, "{digits}");
        assert_eq!(is_card_number(&spaced), expected, "{spaced}");
    }
}

#[test]
fn names_are_read_as_words() {
    assert_eq!(words("payment[cardNumber]"), ["payment", "card", "number"]);
    assert_eq!(words("__RequestVerificationToken"), ["request", "verification", "token"]);
    assert_eq!(words("CVV2 / exp-date"), ["cvv2", "exp", "date"]);
    assert_eq!(words("Straße_iban"), ["stra", "e", "iban"]);
    assert!(words("").is_empty());
}

#[test]
fn no_lead_attribute_name_is_mistaken_for_a_secret() {
    for name in crate::lead::attribute_names().chain(["email", "first_name", "last_name", "source"]) {
        assert!(!is_secret_name(name), "{name}");
    }
}

/// The widget's loader carries a JavaScript copy of the name rule (it must
/// filter before any wasm exists). Its vocabulary must be exactly this one:
/// every string its regex matches is a secret name here, and every word, pair
/// and part here is matched by its regex. (The corpus covers how both split words.)
#[test]
fn the_loader_copy_of_the_rule_has_exactly_this_vocabulary() {
    let loader = include_str!("../../../widget/loader/widget.js");
    let start = loader.find("const SECRET =").expect("the loader defines SECRET");
    let pattern = loader[start..].split('/').nth(1).expect("SECRET is a regex literal");
    let language = expand(pattern);
    for matched in &language {
        assert!(is_secret_name(matched.trim_matches('_')), "the loader drops {matched:?}, the server keeps it");
    }
    let mut ours: Vec<String> = SECRET_WORDS.iter().map(|w| format!("_{w}_")).collect();
    for (firsts, seconds) in SECRET_PAIRS {
        for (a, b) in firsts.iter().flat_map(|a| seconds.iter().map(move |b| (a, b))) {
            ours.extend([format!("_{a}_{b}_"), format!("_{a}{b}_")]);
        }
    }
    ours.extend(SECRET_PARTS.iter().map(|part| part.to_string()));
    for phrase in ours {
        assert!(language.contains(&phrase), "the server drops {phrase:?}, the loader keeps it");
    }
}

/// Every string a regex matches, for the finite syntax the loader's rule uses:
/// literals, groups, `|`, `?` and one-character classes. Anything else fails
/// loudly, so the loader cannot drift into syntax this test does not read.
fn expand(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let language = alternatives(&chars, &mut at);
    assert_eq!(at, chars.len(), "unbalanced ) in {pattern}");
    language
}

fn alternatives(chars: &[char], at: &mut usize) -> Vec<String> {
    let mut all = sequence(chars, at);
    while chars.get(*at) == Some(&'|') {
        *at += 1;
        all.extend(sequence(chars, at));
    }
    all
}

fn sequence(chars: &[char], at: &mut usize) -> Vec<String> {
    let mut strings = vec![String::new()];
    while let Some(&c) = chars.get(*at) {
        *at += 1;
        let mut atom: Vec<String> = match c {
            '|' | ')' => {
                *at -= 1;
                break;
            }
            '(' => {
                let inner = alternatives(chars, at);
                assert_eq!(chars.get(*at), Some(&')'), "unclosed (");
                *at += 1;
                inner
            }
            '[' => {
                let end = chars[*at..].iter().position(|&c| c == ']').expect("unclosed [") + *at;
                let class = chars[*at..end].iter().map(|c| c.to_string()).collect();
                *at = end + 1;
                class
            }
            c if c.is_ascii_alphanumeric() || c == '_' => vec![c.to_string()],
            other => panic!("the loader's rule uses {other:?}, which this test cannot read"),
        };
        if chars.get(*at) == Some(&'?') {
            *at += 1;
            atom.push(String::new());
        }
        strings = strings.iter().flat_map(|prefix| atom.iter().map(move |a| format!("{prefix}{a}"))).collect();
    }
    strings
}
