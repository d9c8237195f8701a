/// Secrets for tests: long and random-looking enough for the services' checks, and obviously not real.
package enum TestSecrets {
    /// The `INTERNAL_TOKEN` services under test accept.
    package static let internalToken = "tests-internal-token-4b1d9e7a20c35f86d9a2e0b7c41f5863"
    /// The dispatcher's `ADMIN_TOKEN` in tests.
    package static let adminToken = "tests-admin-token-9c2e71f04ab8d35e6f1a0c97b2d4e8f5a"
}
