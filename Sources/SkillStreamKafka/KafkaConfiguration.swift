/// librdkafka properties for a producer, consumer or admin client, passed through untouched so
/// that TLS, SASL and every tuning knob work without code changes.
///
/// Properties are checked when a client is constructed: an unknown property or an invalid value
/// throws `KafkaError.Code.invalidConfiguration` naming it. Each client adds its own defaults
/// (see ``KafkaProducer`` and ``KafkaConsumer``) only for properties not set here.
public struct KafkaConfiguration: Sendable, Hashable {
    /// librdkafka property names and values, as in librdkafka's CONFIGURATION.md.
    public var properties: [String: String]

    /// A configuration for the given brokers (`host:port[,host:port…]`) and any further properties.
    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrapServers
    }

    /// Reads or sets one librdkafka property.
    public subscript(property: String) -> String? {
        get { properties[property] }
        set { properties[property] = newValue }
    }

    /// These properties with `defaults` filled in where a property is not set.
    func withDefaults(_ defaults: [String: String]) -> [String: String] {
        properties.merging(defaults) { explicit, _ in explicit }
    }
}
