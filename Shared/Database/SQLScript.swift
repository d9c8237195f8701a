/// A SQL script split into its statements the way `psql` splits it: at each `;` outside quoted text, quoted names,
/// dollar-quoted bodies and comments. Chunks with nothing but comments and space are dropped.
package enum SQLScript {
    package static func statements(_ script: String) -> [String] {
        let text = Array(script.unicodeScalars)
        var statements: [String] = []
        var start = 0
        var hasCode = false
        var index = 0

        func skip(past closing: [Unicode.Scalar], from position: Int) -> Int {
            var position = position
            while position < text.count {
                if text[position...].starts(with: closing) { return position + closing.count }
                position += 1
            }
            return position
        }

        while index < text.count {
            let scalar = text[index]
            switch scalar {
            case "'", "\"":
                index = skip(past: [scalar], from: index + 1)
                hasCode = true
            case "-" where index + 1 < text.count && text[index + 1] == "-":
                index = skip(past: ["\n"], from: index + 2)
            case "/" where index + 1 < text.count && text[index + 1] == "*":
                index = skip(past: ["*", "/"], from: index + 2)
            case "$":
                // `$tag$ … $tag$` (the tag may be empty); a `$` that opens no tag (`$1`) is plain text.
                var end = index + 1
                while end < text.count, text[end] == "_" || text[end].properties.isAlphabetic || (end > index + 1 && ("0"..."9").contains(text[end]))
                {
                    end += 1
                }
                if end < text.count, text[end] == "$" {
                    let tag = Array(text[index...end])
                    index = skip(past: tag, from: end + 1)
                } else {
                    index += 1
                }
                hasCode = true
            case ";":
                if hasCode { statements.append(String(String.UnicodeScalarView(text[start..<index])).trimmed) }
                index += 1
                start = index
                hasCode = false
            default:
                if !scalar.properties.isWhitespace { hasCode = true }
                index += 1
            }
        }
        if hasCode { statements.append(String(String.UnicodeScalarView(text[start..<text.count])).trimmed) }
        return statements
    }
}

extension String {
    fileprivate var trimmed: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
