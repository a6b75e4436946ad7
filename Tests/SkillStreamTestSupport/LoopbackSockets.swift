import Foundation

// Linux only, as the integration tests and the deployment are.
#if os(Linux)

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks; returns it and the port.
func loopbackSocket() throws -> (socket: Int32, port: UInt16) {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else {
        close(socket)
        throw POSIXError(.EADDRINUSE)
    }
    return (socket, UInt16(bigEndian: address.sin_port))
}

/// A TCP port on 127.0.0.1 nothing listens on now (the kernel's pick for port 0).
public func freeLoopbackPort() throws -> Int {
    let (socket, port) = try loopbackSocket()
    close(socket)
    return Int(port)
}

/// A server address on 127.0.0.1 that accepts connections and never answers on them (the
/// kernel completes them; nothing reads): how a hung server or a network partition looks to a
/// client. Listening until ``close()``.
public struct SilentServer: Sendable {
    private let socket: Int32
    public let port: UInt16

    public init() throws {
        (socket, port) = try loopbackSocket()
        guard listen(socket, 16) == 0 else {
            Glibc.close(socket)
            throw POSIXError(.EADDRNOTAVAIL)
        }
    }

    public func close() { _ = Glibc.close(socket) }
}
#endif
