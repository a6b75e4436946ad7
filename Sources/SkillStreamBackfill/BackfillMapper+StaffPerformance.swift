import SkillStreamDomain

extension BackfillMapper {
    /// A staff member's period averages as one representative table, not a real visit: the
    /// average wait, `items_ordered` from Items_Ordered (else the configured default) and
    /// `items_incorrect` = round((100 − accuracy %) × items_ordered / 100), covers from Covers (else the
    /// default), table `backfill`, the visit id equal to the event id, seated the wait plus the
    /// configured meal duration before the row's date. Preceded by the restaurant's reference
    /// when its standards are given and differ from the last one sent.
    func staffPerformance(_ row: BackfillRow, _ identity: RowIdentity) throws(RowRejection) -> [ContractEvent] {
        let wait = try row.required(.waitTimePerTable, row.duration(.waitTimePerTable, in: 0...EventDecoder.maximumWaitSeconds))
        let accuracy = try row.required(.orderAccuracyRate, row.percentage(.orderAccuracyRate, in: 0...100))
        let items = try row.roundedNumber(.itemsOrdered, in: 0...10_000) ?? configuration.defaultItemsOrdered
        let covers = try row.roundedNumber(.covers, in: 1...1_000) ?? configuration.defaultCovers
        let beforeClose = Int64(((wait + configuration.mealDurationSeconds) * 1_000).rounded())
        let visit = TableServiceEvent(
            header: identity.header(), staffID: identity.staffID, visitID: identity.eventID, tableID: "backfill", covers: covers,
            seatedAt: EventTime(
                millisecondsSinceEpoch: identity.occurredAt.millisecondsSinceEpoch - beforeClose, offsetMinutes: identity.occurredAt.offsetMinutes),
            waitTimeSeconds: wait, itemsOrdered: items, itemsIncorrect: Int(((100 - accuracy) * Double(items) / 100).rounded()))
        let reference = try restaurantReference(row, identity)
        return (reference.map { [.restaurant($0)] } ?? []) + [.tableService(visit)]
    }

    /// The restaurant's reference when the row gives both its Service_Quality_Benchmark and its
    /// Fine_Dining_Accreditation and it is the restaurant's first or differs from the last one
    /// sent; nil otherwise. The name defaults to the restaurant id, the city and target wait to
    /// the configuration's.
    func restaurantReference(_ row: BackfillRow, _ identity: RowIdentity) throws(RowRejection) -> RestaurantReference? {
        let benchmark = try row.percentage(.serviceQualityBenchmark, in: 0...100)
        let accredited = try row.boolean(.fineDiningAccreditation)
        let targetWait = try row.duration(.targetWaitTime, in: 1...EventDecoder.maximumWaitSeconds)
        guard let benchmark, let accredited else { return nil }
        let reference = RestaurantReference(
            header: identity.header("-restaurant"), name: row.text(.restaurantName) ?? identity.restaurantID,
            city: row.text(.city) ?? configuration.defaultCity, timezone: configuration.timezone, serviceQualityBenchmark: benchmark,
            fineDiningAccreditation: accredited, targetWaitTimeSeconds: targetWait ?? configuration.defaultTargetWaitSeconds)
        guard let previous = restaurants[identity.restaurantID] else { return reference }
        var unchanged = reference
        unchanged.header = previous.header
        return unchanged == previous ? nil : reference
    }
}
