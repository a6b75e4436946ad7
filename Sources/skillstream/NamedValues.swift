import ArgumentParser

/// NAME=VALUE options (librdkafka properties, Kafka topic configuration), checked and read in
/// one place for every command.
enum NamedValues {
    /// Throws a validation error naming `option` for a value without `=` or with an empty NAME.
    static func validate(_ values: [String], option: String) throws {
        for value in values where value.firstIndex(of: "=").map({ $0 == value.startIndex }) ?? true {
            throw ValidationError("--\(option) takes NAME=VALUE, not \(value).")
        }
    }

    /// The pairs as a dictionary; the last value of a NAME wins.
    static func dictionary(_ pairs: [String]) -> [String: String] {
        Dictionary(pairs.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { $1 }
    }
}
