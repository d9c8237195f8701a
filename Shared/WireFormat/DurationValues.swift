extension Duration {
    /// This duration in (fractional) milliseconds.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// This duration in (fractional) seconds.
    package var seconds: Double { milliseconds / 1000 }
}
