import Foundation
import Hummingbird
import SkillStreamAccess
import SkillStreamDomain

/// One page of a listing and the cursor to the next (absent on the last page).
struct Page<Item: JSONObject>: JSONBody {
    var items: [Item]
    var nextCursor: String?
}

/// Keyset pagination: a listing sorted by a stable key (ending in a unique id) goes on after the
/// key of the last item returned. The cursor carries that key and the listing's name, opaque to
/// clients (base64url JSON); a cursor of another listing, or a forged one, is refused.
struct Paging: Sendable {
    static let defaultLimit = 50
    static let maximumLimit = 200

    var limit: Int
    /// The sort key to continue after, nil on the first page.
    var after: [String]?

    init(limit: Int, after: [String]? = nil) {
        self.limit = limit
        self.after = after
    }

    /// From `limit` and `cursor`; `listing` names the listing, `keys` the length of its key;
    /// `timeFirst`: the key starts with a time (RFC 3339), checked before it reaches SQL.
    init(_ query: QueryParameters, listing: String, keys: Int, timeFirst: Bool = false) throws {
        limit = try query.integer("limit", in: 1...Self.maximumLimit) ?? Self.defaultLimit
        guard let text = try query.string("cursor", maximumLength: 2_000) else { return }
        let invalid = Problem.invalid("cursor", es: "El cursor no es de esta lista o está dañado; empiece sin cursor.", en: "The cursor is not of this listing or is damaged; start without one.")
        guard let bytes = Base64URL.decode(text),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object["l"] as? String == listing, let values = object["k"] as? [String], values.count == keys,
            !timeFirst || EventTime(rfc3339: values[0]) != nil
        else { throw invalid }
        after = values
    }

    /// The page of `rows` (fetched with ``fetchLimit``): the first ``limit`` items, and a cursor
    /// after the last of them when there are more.
    func page<Row, Item>(_ rows: [Row], listing: String, key: (Row) -> [String], item: (Row) throws -> Item) rethrows -> Page<Item> {
        let shown = rows.prefix(limit)
        let next = rows.count > limit ? shown.last.map { Self.cursor(listing: listing, key: key($0)) } : nil
        return Page(items: try shown.map(item), nextCursor: next)
    }

    /// One more than the page, to know whether another follows.
    var fetchLimit: Int { limit + 1 }

    static func cursor(listing: String, key: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: ["l": listing, "k": key], options: [.sortedKeys])) ?? Data()
        return Base64URL.encode(Array(data))
    }
}
