/// The feature vectors of the visits awaiting feedback, one fixed-width row each in one
/// contiguous buffer of single-precision values, rows reused once released: no allocation per
/// visit, and half the memory of Doubles for vectors that may wait a week.
struct FeatureSlab: Sendable {
    let width: Int
    private(set) var values: [Float] = []
    private var freeRows: [Int32] = []

    init(width: Int) {
        self.width = width
    }

    /// A row to fill; its values are whatever it last held.
    mutating func allocate() -> Int32 {
        if let row = freeRows.popLast() { return row }
        values.append(contentsOf: repeatElement(Float.nan, count: width))
        return Int32(values.count / width - 1)
    }

    mutating func release(_ row: Int32) { freeRows.append(row) }

    /// Rows allocated and not released.
    var rowsInUse: Int { (width == 0 ? 0 : values.count / width) - freeRows.count }

    /// The row's values as Doubles.
    func doubles(_ row: Int32) -> [Double] {
        let start = Int(row) * width
        return values[start..<(start + width)].map(Double.init)
    }

    /// Fills a row through `body`, which writes at the offsets it is given.
    mutating func fill(_ row: Int32, _ body: (inout [Float], Int) -> Void) {
        body(&values, Int(row) * width)
    }
}
