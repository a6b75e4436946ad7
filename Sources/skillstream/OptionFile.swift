import ArgumentParser
import Foundation

/// The bytes of the file a command-line option names. A file that is missing or unreadable is a
/// usage error naming the option, not a Foundation error dump.
func optionFile(_ option: String, _ path: String) throws -> Data {
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        var isDirectory: ObjCBool = false
        let reason =
            !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) ? "no such file"
            : isDirectory.boolValue ? "is a directory, not a file" : "cannot be read"
        throw ValidationError("\(option) \(path): \(reason)")
    }
}
