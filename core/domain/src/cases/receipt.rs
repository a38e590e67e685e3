//! Receipt codes: what a resident writes down or reads over the phone to follow their case.
//! Eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L, U), shown as two groups
//! of four: 30^8 ≈ 6.6 × 10^11 codes, so guessing one is hopeless at the intake rate limit.

use rand::Rng;

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 8;

/// A fresh random receipt code, `XXXX-XXXX` from the look-alike-free alphabet; uniqueness is left to the database's unique index (intake retries on a collision).
pub fn generate() -> String {
    let mut rng = rand::rng();
    let mut out = String::with_capacity(LEN + 1);
    for i in 0..LEN {
        if i == 4 {
            out.push('-');
        }
        out.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    out
}

/// Accepts what people type: any case, spaces or no dash. `None` if it cannot be a code.
pub fn normalise(input: &str) -> Option<String> {
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.len() != LEN || !cleaned.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{}-{}", &cleaned[..4], &cleaned[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_normalise_to_themselves() {
        for _ in 0..1000 {
            let code = generate();
            assert_eq!(code.len(), 9);
            assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn typed_variants_are_accepted_and_nonsense_refused() {
        assert_eq!(normalise(" k7m2 9qxr ").as_deref(), Some("K7M2-9QXR"));
        assert_eq!(normalise("K7M29QXR").as_deref(), Some("K7M2-9QXR"));
        assert_eq!(normalise("K7M2-9QX"), None);
        assert_eq!(normalise("O0O0-1111"), None);
    }
}
