//! Dates and times: `date`, `time`, `datetime` and `datetime(timezone)` columns.

use std::fmt::{self, Formatter, Write as _};

use crate::repr::Repr;

use super::*;

const DATE_FORMAT: &str = "YYYY-MM-DD";
const TIME_FORMAT: &str = "HH:MM:SS.ffffff";
const DATETIME_FORMAT: &str = "YYYY-MM-DD HH:MM:SS.ffffff";

fn check_year(year: i32) -> Result<(), ColumnError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(ColumnError::new(format!(
            "year {year} is outside 1..=9999, the range SQLAlchemy's date format (and Python) supports"
        )))
    }
}

fn check_time(time: &NaiveTime) -> Result<(), ColumnError> {
    use ::chrono::Timelike;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return Err(ColumnError::new(format!(
            "time {time} is a leap second, which SQLAlchemy's time format cannot hold"
        )));
    }
    if nanos / 1000 * 1000 != nanos {
        return Err(ColumnError::new(format!(
            "time {time} has sub-microsecond precision; SQLAlchemy stores microseconds \
             (use `litemodel::types::now()` or round the value)"
        )));
    }
    Ok(())
}

impl ToColumn for NaiveDate {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        use ::chrono::Datelike;
        check_year(self.year())?;
        Ok(ColumnValue::from(self.format("%Y-%m-%d").to_string()))
    }
}

impl FromColumn for NaiveDate {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveDate")?.expect_text("a date (text)")?;
        parse_date(text).ok_or_else(|| ColumnError::malformed("date", DATE_FORMAT, &value))
    }

    #[cfg(feature = "postgres")]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.date().and_then(|days| pg_date(i64::from(days))) {
            Some(date) => Ok(date),
            None => Self::from_column(field.decode()?),
        }
    }
}

impl ToColumn for NaiveTime {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        check_time(self)?;
        Ok(ColumnValue::from(self.format("%H:%M:%S%.6f").to_string()))
    }
}

impl FromColumn for NaiveTime {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveTime")?.expect_text("a time (text)")?;
        parse_time(text).ok_or_else(|| ColumnError::malformed("time", TIME_FORMAT, &value))
    }

    #[cfg(feature = "postgres")]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.time().and_then(pg_time) {
            Some(time) => Ok(time),
            None => Self::from_column(field.decode()?),
        }
    }
}

impl ToColumn for NaiveDateTime {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        format_datetime(self).map(ColumnValue::from)
    }
}

fn format_datetime(datetime: &NaiveDateTime) -> Result<String, ColumnError> {
    use ::chrono::Datelike;
    check_year(datetime.year())?;
    check_time(&datetime.time())?;
    Ok(datetime.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

impl FromColumn for NaiveDateTime {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveDateTime")?.expect_text("a datetime (text)")?;
        match parse_datetime(text) {
            Some((datetime, None)) => Ok(datetime),
            _ => Err(ColumnError::malformed("datetime", DATETIME_FORMAT, &value)),
        }
    }

    #[cfg(feature = "postgres")]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.timestamp().and_then(pg_timestamp) {
            Some(datetime) => Ok(datetime),
            None => Self::from_column(field.decode()?),
        }
    }
}

/// A `datetime(timezone)` column. SQLAlchemy's SQLite dialect drops the
/// offset and stores the wall time, so litemodel stores UTC wall time; a
/// stored value carrying an offset (`+02:00`, `Z`) is converted to UTC.
impl ToColumn for DateTime<Utc> {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        format_datetime(&self.naive_utc()).map(ColumnValue::from)
    }
}

impl FromColumn for DateTime<Utc> {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "DateTime<Utc>")?.expect_text("a datetime (text)")?;
        match parse_datetime(text) {
            Some((datetime, None)) => Ok(datetime.and_utc()),
            Some((datetime, Some(offset_seconds))) => {
                Ok((datetime - ::chrono::TimeDelta::seconds(i64::from(offset_seconds))).and_utc())
            }
            None => Err(ColumnError::malformed("datetime", DATETIME_FORMAT, &value)),
        }
    }

    /// TIMESTAMPTZ travels in UTC: the wall time read is UTC's.
    #[cfg(feature = "postgres")]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.timestamp().and_then(pg_timestamp) {
            Some(datetime) => Ok(datetime.and_utc()),
            None => Self::from_column(field.decode()?),
        }
    }
}

/// PostgreSQL's dates count days from 2000-01-01, day 730,120 of the common era.
#[cfg(feature = "postgres")]
const PG_EPOCH_FROM_CE: i64 = 730_120;

/// The date `days` after 2000-01-01, when its year is one the text form
/// holds (1..=9999); the others go the text way, to its error or value.
#[cfg(feature = "postgres")]
fn pg_date(days: i64) -> Option<NaiveDate> {
    use ::chrono::Datelike;
    let date = NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + PG_EPOCH_FROM_CE).ok()?)?;
    (1..=9999).contains(&date.year()).then_some(date)
}

/// The time `micros` after midnight (not PostgreSQL's `24:00:00`).
#[cfg(feature = "postgres")]
fn pg_time(micros: i64) -> Option<NaiveTime> {
    let seconds = u32::try_from(micros.div_euclid(1_000_000)).ok()?;
    let nanos = u32::try_from(micros.rem_euclid(1_000_000)).ok()? * 1000;
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos)
}

/// The wall time `micros` after 2000-01-01 00:00.
#[cfg(feature = "postgres")]
fn pg_timestamp(micros: i64) -> Option<NaiveDateTime> {
    const DAY_MICROS: i64 = 86_400_000_000;
    if micros == i64::MAX || micros == i64::MIN {
        return None;
    }
    let date = pg_date(micros.div_euclid(DAY_MICROS))?;
    Some(date.and_time(pg_time(micros.rem_euclid(DAY_MICROS))?))
}

fn digits(text: &str, count: usize) -> Option<u32> {
    if text.len() == count && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '-');
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `HH:MM[:SS[.f...]]`, the forms SQLAlchemy and SQLite's own functions write.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let hour = digits(parts.next()?, 2)?;
    let minute = digits(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(second) => digits(second, 2)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            let value: u32 = f.parse().ok()?;
            value * 10u32.pow(9 - u32::try_from(f.len()).ok()?)
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|±HH:MM]`; the offset in seconds east of UTC.
fn parse_datetime(text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let date = parse_date(text.get(..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some((date.and_time(NaiveTime::MIN), None));
    }
    let rest = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
    let (clock, offset) = if let Some(clock) = rest.strip_suffix('Z') {
        (clock, Some(0))
    } else if let Some(split) = rest.rfind(['+', '-']) {
        let (clock, offset) = rest.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let seconds = i32::try_from(digits(hours, 2)? * 3600 + digits(minutes, 2)? * 60).ok()?;
        (clock, Some(sign * seconds))
    } else {
        (rest, None)
    };
    Some((date.and_time(parse_time(clock)?), offset))
}

/// The current UTC time as `datetime(timezone)` columns store it (to the
/// microsecond): what `default_factory = "now"` puts in such a column.
pub fn now_utc() -> DateTime<Utc> {
    use ::chrono::DurationRound;
    let now = Utc::now();
    now.duration_trunc(::chrono::TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// The current UTC time without a timezone, to the microsecond (Python's
/// `datetime.utcnow()`): `default_factory = "now"` on a `datetime` column.
pub fn now() -> NaiveDateTime {
    now_utc().naive_utc()
}

/// Today's date in UTC: `default_factory = "now"` on a `date` column.
pub fn today() -> NaiveDate {
    now().date()
}

/// The current UTC time of day, to the microsecond: `default_factory =
/// "now"` on a `time` column.
pub fn time_now() -> NaiveTime {
    now().time()
}

impl Repr for NaiveDate {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use ::chrono::Datelike;
        write!(
            f,
            "datetime.date({}, {}, {})",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// `10, 0` / `10, 0, 5` / `10, 0, 5, 250`: Python leaves out zero seconds and microseconds.
fn time_fields(time: &NaiveTime, f: &mut Formatter<'_>) -> fmt::Result {
    use ::chrono::Timelike;
    write!(f, "{}, {}", time.hour(), time.minute())?;
    let micros = time.nanosecond() / 1000;
    if time.second() != 0 || micros != 0 {
        write!(f, ", {}", time.second())?;
    }
    if micros != 0 {
        write!(f, ", {micros}")?;
    }
    Ok(())
}

impl Repr for NaiveTime {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("datetime.time(")?;
        time_fields(self, f)?;
        f.write_char(')')
    }
}

impl Repr for NaiveDateTime {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use ::chrono::Datelike;
        write!(
            f,
            "datetime.datetime({}, {}, {}, ",
            self.year(),
            self.month(),
            self.day()
        )?;
        time_fields(&self.time(), f)?;
        f.write_char(')')
    }
}

impl Repr for DateTime<Utc> {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use ::chrono::Datelike;
        let naive = self.naive_utc();
        write!(
            f,
            "datetime.datetime({}, {}, {}, ",
            naive.year(),
            naive.month(),
            naive.day()
        )?;
        time_fields(&naive.time(), f)?;
        f.write_str(", tzinfo=datetime.timezone.utc)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_parse_every_form_sqlalchemy_reads() {
        let expected = NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        for text in [
            "2026-11-26 10:00:00.000000",
            "2026-11-26 10:00:00",
            "2026-11-26T10:00:00",
            "2026-11-26 10:00",
        ] {
            assert_eq!(parse_datetime(text), Some((expected, None)), "{text}");
        }
        assert_eq!(
            parse_datetime("2026-11-26T12:00:00+02:00"),
            Some((
                NaiveDate::from_ymd_opt(2026, 11, 26)
                    .and_then(|d| d.and_hms_opt(12, 0, 0))
                    .unwrap(),
                Some(7200)
            ))
        );
        assert_eq!(parse_datetime("2026-11-26 25:00:00"), None);
        assert_eq!(
            parse_time("10:00:00.5").map(|t| t.to_string()),
            Some("10:00:00.500".into())
        );
    }
}
