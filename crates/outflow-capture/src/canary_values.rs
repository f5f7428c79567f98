//! The unique values one scan types: credentials for login and sign-up
//! forms, and a shopper's card and billing details for checkouts.
//!
//! Every value carries a random token, so that finding it in what a page
//! sent proves it came from this scan's typing. Card numbers are Luhn-valid
//! (checkout scripts validate them before sending anything) and start with
//! the `400000` prefix of the processors' published test cards (Stripe's
//! `4000 0000 0000 0077`, Adyen's `4000 0200 0000 0000`), so no real card
//! can ever be charged with one.

use std::time::{SystemTime, UNIX_EPOCH};

use outflow_model::CanaryKind;
use rand::Rng;

/// The prefix of every card number typed: the issuer number (BIN) of the
/// processors' test cards.
pub(crate) const TEST_CARD_PREFIX: &str = "400000";
/// Digits in a typed card number.
const CARD_DIGITS: usize = 16;

/// The unique values for one scan, one per kind.
#[derive(Debug, Clone)]
pub(crate) struct CanarySet {
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) phone: String,
    pub(crate) username: String,
    pub(crate) card_number: String,
    /// Expiry month, `01`–`12`.
    pub(crate) expiry_month: u32,
    /// Expiry year, four digits.
    pub(crate) expiry_year: u32,
    pub(crate) cvv: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) street: String,
    pub(crate) postal_code: String,
    pub(crate) city: String,
}

impl CanarySet {
    pub(crate) fn new() -> Self {
        let mut rng = rand::rng();
        let token: u64 = rng.random();
        let token = format!("{:010x}", token & 0xff_ffff_ffff);
        let mut body = String::from(TEST_CARD_PREFIX);
        while body.len() < CARD_DIGITS - 1 {
            body.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        let check = luhn_check_digit(&body);
        body.push(check);
        let this_year = current_year();
        Self {
            // example.com is reserved for documentation (RFC 2606): no one
            // receives mail there.
            email: format!("outflow.{token}@example.com"),
            password: format!("Of-{token}-pw!"),
            // 555-0100 to 555-0199 are reserved for fiction in the NANP.
            phone: format!("20255501{:02}", rng.random_range(0..100)),
            username: format!("outflow_{token}"),
            card_number: body,
            expiry_month: rng.random_range(1..=12),
            expiry_year: this_year + rng.random_range(2..=6),
            cvv: format!("{}", rng.random_range(100..1000)),
            // Names and places of letters only: checkout forms reject
            // digits there. Eight random letters are unique enough.
            given_name: "Ada".to_string(),
            family_name: capitalised_word(&mut rng, 8),
            street: format!(
                "{} {} Street",
                rng.random_range(100..10000),
                capitalised_word(&mut rng, 8)
            ),
            // ZIP+4: long enough to search, accepted by US address forms.
            postal_code: format!(
                "{:05}-{:04}",
                rng.random_range(10000..100000),
                rng.random_range(0..10000)
            ),
            city: format!("{}ville", capitalised_word(&mut rng, 7)),
        }
    }

    /// The value typed into a text field of this kind.
    pub(crate) fn value(&self, kind: CanaryKind) -> String {
        match kind {
            CanaryKind::Email => self.email.clone(),
            CanaryKind::Password => self.password.clone(),
            CanaryKind::Phone => self.phone.clone(),
            CanaryKind::Username => self.username.clone(),
            CanaryKind::Name => self.family_name.clone(),
            CanaryKind::CardNumber => self.card_number.clone(),
            CanaryKind::CardExpiry => self.expiry(),
            CanaryKind::CardCvv => self.cvv.clone(),
            CanaryKind::CardholderName => self.cardholder(),
            CanaryKind::BillingStreet => self.street.clone(),
            CanaryKind::BillingPostalCode => self.postal_code.clone(),
            CanaryKind::BillingCity => self.city.clone(),
        }
    }

    /// The expiry as one field shows it: `MM/YY`.
    pub(crate) fn expiry(&self) -> String {
        format!("{:02}/{:02}", self.expiry_month, self.expiry_year % 100)
    }

    /// The name on the card.
    pub(crate) fn cardholder(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// The digit that makes `digits` followed by it pass the Luhn check.
pub(crate) fn luhn_check_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0')) % 10;
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// Whether `digits` passes the Luhn check.
#[cfg(test)]
fn luhn_valid(digits: &str) -> bool {
    match digits.split_at_checked(digits.len().saturating_sub(1)) {
        Some((body, check)) if !body.is_empty() => check.starts_with(luhn_check_digit(body)),
        _ => false,
    }
}

fn capitalised_word(rng: &mut impl Rng, letters: usize) -> String {
    let mut word = String::new();
    for i in 0..letters {
        let c = char::from(b'a' + rng.random_range(0..26u8));
        word.push(if i == 0 { c.to_ascii_uppercase() } else { c });
    }
    word
}

/// The current year (UTC), from the system clock; 2026 when the clock
/// is before the epoch.
fn current_year() -> u32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1_767_225_600);
    // Mean Gregorian year: exact enough for an expiry years ahead.
    1970 + u32::try_from(seconds / 31_556_952).unwrap_or(56)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_are_unique_per_scan() {
        let a = CanarySet::new();
        let b = CanarySet::new();
        assert_ne!(a.email, b.email);
        assert!(a.email.ends_with("@example.com"));
        assert_ne!(a.password, b.password);
        assert!(a.phone.starts_with("20255501") && a.phone.len() == 10);
        assert_ne!(a.family_name, b.family_name);
    }

    #[test]
    fn card_numbers_are_luhn_valid_test_numbers_unique_per_scan() {
        let a = CanarySet::new();
        let b = CanarySet::new();
        assert_ne!(a.card_number, b.card_number);
        for card in [&a.card_number, &b.card_number] {
            assert_eq!(card.len(), CARD_DIGITS);
            assert!(card.starts_with(TEST_CARD_PREFIX));
            assert!(luhn_valid(card), "{card}");
        }
        // Known published test numbers pass; a changed digit fails.
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("4000000000000077"));
        assert!(!luhn_valid("4000000000000078"));
    }

    #[test]
    fn expiry_is_in_the_future_and_cvv_has_three_digits() {
        let set = CanarySet::new();
        assert!((1..=12).contains(&set.expiry_month));
        assert!(set.expiry_year > current_year());
        assert_eq!(set.expiry().len(), 5);
        assert_eq!(set.cvv.len(), 3);
    }
}
