/// 64-bit FNV-1a: the stable hash (the same in every process, so it can be checkpointed) that
/// identifies event ids, visit ids, staff keys and lexicon words without keeping their text.
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of the bytes, optionally continuing from `seed` (to hash a pair of ids).
    @inlinable
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, seed: UInt64 = offsetBasis) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The hash of the text's UTF-8 bytes.
    @inlinable
    public static func hash(_ text: String, seed: UInt64 = offsetBasis) -> UInt64 { hash(text.utf8, seed: seed) }
}
