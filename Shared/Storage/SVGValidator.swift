import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Decides whether a stored SVG may be served, by parsing it whole: well-formed XML with no document type declaration
/// (so no entities), only elements and attributes of an allow-list, links only within the file (`#id`) or to embedded
/// raster images, and styles that import or reference nothing outside it. Anything else is refused with what it
/// contains. Not a pattern search: the parser sees what a browser would, however the bytes are split or spelt.
package enum SVGValidator {
    /// The largest SVG checked (and so stored); larger markup is refused.
    package static let maxBytes = 10 << 20

    /// The first thing in `document` that may not be served, or nil when it is safe.
    package static func problem(in document: [UInt8]) -> String? {
        // The parser reports entity declarations but not a bare DOCTYPE: none anywhere, however harmless it looks.
        if String(decoding: document, as: UTF8.self).range(of: "<!DOCTYPE", options: .caseInsensitive) != nil {
            return "a document type declaration"
        }
        let parser = XMLParser(data: Data(document))
        let checker = Checker()
        parser.delegate = checker
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        if let problem = checker.problem { return problem }
        if !parsed || checker.malformed || checker.depth != 0 { return "malformed XML" }
        if checker.root != "svg" { return "no svg root element" }
        return nil
    }

    static let elements: Set<String> = [
        "svg", "g", "defs", "title", "desc", "metadata", "symbol", "use", "switch", "path", "rect", "circle", "ellipse", "line",
        "polyline", "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "pattern", "clipPath",
        "mask", "marker", "image", "style", "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
        "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA",
        "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset",
        "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
    ]

    static let attributes: Set<String> = [
        // Core, namespaces and structure.
        "id", "class", "style", "lang", "xml:lang", "xml:space", "xmlns", "xmlns:xlink", "xmlns:svg", "version", "baseProfile",
        "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points",
        "pathLength", "viewBox", "preserveAspectRatio", "transform", "href", "xlink:href", "xlink:title", "role", "focusable",
        // Presentation.
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "color", "display", "visibility", "overflow",
        "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "filter", "filterUnits",
        "primitiveUnits", "marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX",
        "refY", "orient", "stop-color", "stop-opacity", "offset", "gradientUnits", "gradientTransform", "spreadMethod",
        "patternUnits", "patternContentUnits", "patternTransform", "mix-blend-mode", "isolation", "shape-rendering",
        "color-interpolation", "color-interpolation-filters", "color-rendering", "image-rendering", "paint-order",
        "vector-effect", "flood-color", "flood-opacity", "lighting-color", "transform-origin", "transform-box",
        // Text.
        "font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch", "text-anchor",
        "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "text-decoration",
        "writing-mode", "direction", "unicode-bidi", "dx", "dy", "rotate", "textLength", "lengthAdjust", "startOffset",
        "method", "spacing", "side",
        // Filter primitives.
        "in", "in2", "result", "mode", "type", "values", "tableValues", "slope", "intercept", "amplitude", "exponent",
        "operator", "k1", "k2", "k3", "k4", "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode",
        "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant", "specularExponent", "kernelUnitLength", "scale",
        "xChannelSelector", "yChannelSelector", "stdDeviation", "radius", "azimuth", "elevation", "z", "pointsAtX",
        "pointsAtY", "pointsAtZ", "limitingConeAngle", "baseFrequency", "numOctaves", "seed", "stitchTiles", "media",
    ]

    /// An `href`: a fragment of this file, or an embedded raster image.
    static func isInternal(_ reference: String) -> Bool {
        let value = reference.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return value.hasPrefix("#")
            || ["data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;"].contains { value.hasPrefix($0) }
    }

    /// CSS (a `style` attribute or element) that reaches outside the file or runs something.
    static func cssProblem(_ css: String) -> String? {
        let lowered = css.lowercased().filter { !$0.isWhitespace }
        if lowered.contains("@import") { return "a stylesheet import" }
        if lowered.contains("javascript:") { return "a javascript: URL" }
        if lowered.contains("expression(") || lowered.contains("behavior:") || lowered.contains("-moz-binding") { return "a style that runs code" }
        var rest = Substring(lowered)
        while let start = rest.range(of: "url(") {
            let target = rest[start.upperBound...].drop { $0 == "\"" || $0 == "'" }
            if !isInternal(String(target.prefix(40))) { return "a reference to an outside resource" }
            rest = rest[start.upperBound...]
        }
        return nil
    }

    private final class Checker: NSObject, XMLParserDelegate {
        var problem: String?
        var root: String?
        var malformed = false
        /// Elements open: a document whose root never closes is malformed, whatever the parser says.
        var depth = 0
        private var inStyle = false
        private var css = ""

        private func refuse(_ what: String, _ parser: XMLParser) {
            if problem == nil { problem = what }
            parser.abortParsing()
        }

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]
        ) {
            if root == nil { root = name }
            depth += 1
            guard SVGValidator.elements.contains(name) else {
                let lowered = name.lowercased()
                let what =
                    lowered.hasSuffix("script")
                    ? "a script element"
                    : ["foreignobject", "iframe", "embed", "object"].contains(lowered)
                        ? "an embedded document"
                        : "an element <\(name)> that is not allowed"
                return refuse(what, parser)
            }
            for (attribute, value) in attributes {
                let lowered = attribute.lowercased()
                if lowered.hasPrefix("on") { return refuse("an event-handler attribute", parser) }
                guard
                    SVGValidator.attributes.contains(attribute) || lowered.hasPrefix("data-") || lowered.hasPrefix("aria-")
                        || lowered.hasPrefix("xmlns:")
                else { return refuse("an attribute \(attribute) that is not allowed", parser) }
                if value.lowercased().filter({ !$0.isWhitespace }).contains("javascript:") { return refuse("a javascript: URL", parser) }
                if lowered == "href" || lowered == "xlink:href", !SVGValidator.isInternal(value) {
                    return refuse("a reference to an outside resource", parser)
                }
                if let problem = SVGValidator.cssProblem(value), lowered == "style" || value.lowercased().contains("url(") {
                    return refuse(problem, parser)
                }
            }
            if name == "style" {
                inStyle = true
                css = ""
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            malformed = true
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
            guard name == "style" else { return }
            inStyle = false
            if let problem = SVGValidator.cssProblem(css) { refuse(problem, parser) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inStyle { css += string }
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            if inStyle { css += String(decoding: block, as: UTF8.self) }
        }

        func parser(_ parser: XMLParser, foundProcessingInstructionWithTarget target: String, data: String?) {
            // `<?xml-stylesheet href=…?>` loads a stylesheet from anywhere.
            if target.lowercased() == "xml-stylesheet" { refuse("a stylesheet import", parser) }
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refuse("a document type declaration", parser)
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refuse("a document type declaration", parser)
        }

        func parser(_ parser: XMLParser, foundElementDeclarationWithName elementName: String, model: String) {
            refuse("a document type declaration", parser)
        }

        func parser(
            _ parser: XMLParser, foundUnparsedEntityDeclarationWithName name: String, publicID: String?, systemID: String?, notationName: String?
        ) {
            refuse("a document type declaration", parser)
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            refuse("a document type declaration", parser)
            return nil
        }
    }
}
