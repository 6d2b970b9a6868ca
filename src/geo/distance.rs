//! Distance on the Earth's surface, for "how far from home" in search and matching.

/// Great-circle (haversine) distance in metres between two (latitude, longitude) points in
/// degrees, on the mean Earth radius (IUGG, 6,371,008.8 m).
pub fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_to_paris_is_the_worked_example() {
        // London to Paris, the usual worked example of the haversine formula: 343.5 km.
        let d = metres_between((51.5074, -0.1278), (48.8566, 2.3522));
        assert!((d - 343_500.0).abs() < 500.0, "{d}");
        assert_eq!(metres_between((51.5, -0.1), (51.5, -0.1)), 0.0);
    }
}
