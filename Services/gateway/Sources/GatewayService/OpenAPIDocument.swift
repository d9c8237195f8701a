import Foundation
import Generations
import PublicAPI

/// The OpenAPI 3.1 description of the public API, served at `/openapi.json`: the contract clients are generated from.
/// Hand-written prose and shapes; the request body's limits and the schemas' enums are filled in from the code that
/// enforces them (``RequestLimits``, ``GenerationStatus``, the usage groupings: see ``filledIn``), and it is checked: the gateway's router and this document list the same
/// operations, every response schema accepts an encoded example of its `PublicAPI` type (`OpenAPIContractTests`), and
/// every response schemathesis and a generated client see validates against it (`scripts/test-api`).
package enum OpenAPIDocument {
    /// The document served.
    package static let json: String = {
        guard var document = try? JSONSerialization.jsonObject(with: Data(template.utf8)) as? [String: Any] else {
            preconditionFailure("OpenAPIDocument.template is not a JSON object")
        }
        for (path, value) in filledIn { set(value, at: path, in: &document) }
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }()

    /// Each value the code decides, at its place in the document (keys separated by `/`).
    static var filledIn: [(String, Any)] {
        let request = "components/schemas/GenerationRequest/properties"
        let publicGroupings = UsageGrouping.allCases.filter { $0 != .user }.map(\.rawValue)
        return [
            ("components/schemas/GenerationStatus/enum", GenerationStatus.allCases.map(\.rawValue)),
            ("\(request)/prompt/maxLength", RequestLimits.promptLength),
            ("\(request)/negative_prompt/maxLength", RequestLimits.promptLength),
            ("\(request)/model_id/maxLength", RequestLimits.modelIDLength),
            ("\(request)/style/maxLength", RequestLimits.styleLength),
            ("\(request)/webhook/maxLength", RequestLimits.webhookURLLength),
            ("\(request)/webhook_events_filter/items/enum", RequestLimits.webhookEvents),
            ("components/schemas/WebhookDelivery/properties/event/enum", RequestLimits.webhookEvents),
            ("components/schemas/Usage/properties/group_by/enum", publicGroupings),
        ]
            + range("\(request)/width", RequestLimits.size) + range("\(request)/height", RequestLimits.size)
            + range("\(request)/num_inference_steps", RequestLimits.steps) + range("\(request)/guidance_scale", RequestLimits.guidance)
            + range("\(request)/seed", RequestLimits.seed) + range("\(request)/strength", RequestLimits.strength)
            + range("\(request)/num_outputs", RequestLimits.outputs) + range("\(request)/priority", RequestLimits.priority)
    }

    private static func range<Bound>(_ path: String, _ range: ClosedRange<Bound>) -> [(String, Any)] {
        [("\(path)/minimum", range.lowerBound), ("\(path)/maximum", range.upperBound)]
    }

    /// Sets `value` at `path`, whose every step but the last must exist.
    private static func set(_ value: Any, at path: String, in object: inout [String: Any]) {
        var keys = path.split(separator: "/").map(String.init)
        let last = keys.removeLast()
        func descend(_ object: inout [String: Any], _ keys: ArraySlice<String>) {
            guard let key = keys.first else {
                object[last] = value
                return
            }
            guard var child = object[key] as? [String: Any] else { preconditionFailure("OpenAPIDocument: no \(path)") }
            descend(&child, keys.dropFirst())
            object[key] = child
        }
        descend(&object, keys[...])
    }

    /// The hand-written document; the values of ``filledIn`` stand in it as written before they are filled in.
    static let template = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "imagegen",
            "version": "1.0.0",
            "description": "Asynchronous image generation on Replicate's models: POST a generation, follow it (poll, Server-Sent Events or Prefer: wait), fetch its images. Every error is application/problem+json (RFC 9457) naming the field and the reason. Ids are lowercase UUIDs."
          },
          "servers": [{"url": "/"}],
          "tags": [
            {"name": "generations", "description": "Create, follow and cancel generations."},
            {"name": "batches", "description": "Many generations in one request, followed as one."},
            {"name": "webhooks", "description": "Signed callbacks to your backend when a generation starts, progresses or finishes."},
            {"name": "usage", "description": "What your generations cost."},
            {"name": "keys", "description": "API keys for your backends: scoped, revocable, shown once."},
            {"name": "catalog", "description": "The models and their inputs."},
            {"name": "files", "description": "Stored images, and the input images you upload."},
            {"name": "legacy", "description": "The old system's endpoint, kept so its clients work unchanged."},
            {"name": "operations", "description": "Health and this document."},
            {"name": "replicate", "description": "For Replicate, not for clients."}
          ],
          "security": [{"bearer": []}],
          "paths": {
            "/v1/generations": {
              "post": {
                "operationId": "createGeneration",
                "tags": ["generations"],
                "summary": "Start a generation",
                "description": "Validates the request against the model's own inputs (see GET /v1/models), stores the generation and its job in one transaction and answers at once with 202 and a Location header. With `Prefer: wait=N` (1 to 300 seconds) it answers 200 when the generation finishes within N seconds. A repeated `Idempotency-Key` with the same body returns the first generation (200); with another body, 409.",
                "parameters": [
                  {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "Makes retries safe: one generation per key and user.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200}
                  },
                  {
                    "name": "Cancel-After",
                    "in": "header",
                    "required": false,
                    "description": "Replicate's syntax (30s, 5m, 1h30m): the generation's deadline, counted from now (see the body's deadline).",
                    "schema": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"},
                    "example": "5m"
                  },
                  {
                    "name": "Prefer",
                    "in": "header",
                    "required": false,
                    "description": "`wait=N` holds the answer until the generation finishes or N seconds pass (RFC 7240); other preferences are ignored.",
                    "schema": {"type": "string"},
                    "example": "wait=30"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/GenerationRequest"},
                      "examples": {
                        "text": {
                          "summary": "Text to image",
                          "value": {
                            "prompt": "a lighthouse at dusk, oil painting",
                            "model_id": "black-forest-labs/flux-schnell",
                            "width": 1344,
                            "height": 768,
                            "num_outputs": 2
                          }
                        },
                        "image": {
                          "summary": "Image to image",
                          "value": {
                            "prompt": "the same scene in winter",
                            "model_id": "stability-ai/sdxl",
                            "source_image_url": "https://example.com/scene.png",
                            "strength": 0.6
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Accepted: the generation is queued.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}},
                    "links": {
                      "GetGeneration": {"operationId": "getGeneration", "parameters": {"id": "$response.body#/id"}},
                      "CancelGeneration": {"operationId": "cancelGeneration", "parameters": {"id": "$response.body#/id"}},
                      "CreateStreamToken": {"operationId": "createStreamToken", "parameters": {"id": "$response.body#/id"}}
                    }
                  },
                  "200": {
                    "description": "Finished within `Prefer: wait`, or the generation an `Idempotency-Key` made before.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}},
                    "links": {"GetGeneration": {"operationId": "getGeneration", "parameters": {"id": "$response.body#/id"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "429": {"$ref": "#/components/responses/TooMany"},
                  "503": {"$ref": "#/components/responses/Unavailable"},
                  "402": {"$ref": "#/components/responses/OverBudget"}
                }
              },
              "get": {
                "operationId": "listGenerations",
                "tags": ["generations"],
                "summary": "List your generations, newest first",
                "parameters": [
                  {"name": "status", "in": "query", "required": false, "schema": {"$ref": "#/components/schemas/GenerationStatus"}},
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "description": "`next_cursor` of the previous page.",
                    "schema": {"type": "string", "format": "uuid"}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of generations.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerationPage"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/generations/{id}": {
              "get": {
                "operationId": "getGeneration",
                "tags": ["generations"],
                "summary": "One generation, with its images once completed",
                "parameters": [{"$ref": "#/components/parameters/GenerationID"}],
                "responses": {
                  "200": {
                    "description": "The generation.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "deleteGeneration",
                "tags": ["generations"],
                "summary": "Delete a generation and its images",
                "description": "Cancels it first if it has not finished (and its prediction at Replicate), then removes its images (rows and files); the generation is gone from the API but still counts in usage. Deleting again answers 204 too.",
                "parameters": [{"$ref": "#/components/parameters/GenerationID"}],
                "responses": {
                  "204": {"description": "Deleted."},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/generations/{id}/cancel": {
              "post": {
                "operationId": "cancelGeneration",
                "tags": ["generations"],
                "summary": "Cancel a generation that has not finished",
                "description": "Stops it (and its prediction at Replicate, if one is running). 409 when it already finished.",
                "parameters": [{"$ref": "#/components/parameters/GenerationID"}],
                "responses": {
                  "200": {"description": "Cancelled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/generations/{id}/events": {
              "get": {
                "operationId": "streamGenerationEvents",
                "tags": ["generations"],
                "summary": "Server-Sent Events of status and progress",
                "description": "Each change is one `status` event whose data is a GenerationEvent and whose id resumes the stream (`Last-Event-ID` or `last_event_id`); the stream ends after a terminal status. While the generation is unfinished, a `queue` event (data a QueueEvent, no id) comes at the start and whenever its place in the queue, its pause or an estimate changes, at most about once a second. Authenticate with the bearer header or, from a browser's EventSource, with `token` from POST /v1/generations/{id}/stream-token.",
                "security": [{"bearer": []}, {"streamToken": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/GenerationID"},
                  {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "string"}},
                  {"name": "last_event_id", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}}
                ],
                "responses": {
                  "200": {
                    "description": "The event stream: one `status` event per change, its data a GenerationEvent; `queue` events, their data a QueueEvent.",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "object",
                          "description": "One server-sent event.",
                          "required": ["data"],
                          "properties": {
                            "id": {"type": "string", "description": "A status event's id, to resume after."},
                            "event": {"enum": ["status", "queue"]},
                            "data": {
                              "type": "string",
                              "contentMediaType": "application/json",
                              "contentSchema": {"oneOf": [{"$ref": "#/components/schemas/GenerationEvent"}, {"$ref": "#/components/schemas/QueueEvent"}]}
                            }
                          }
                        },
                        "example": "id: 41\nevent: status\ndata: {\"created_at\":\"2026-11-30T10:00:01.000Z\",\"generation_id\":\"…\",\"id\":41,\"progress\":0,\"status\":\"queued\"}\n\nevent: queue\ndata: {\"estimated_completion_at\":\"2026-11-30T10:00:09.000Z\",\"estimated_start_at\":\"2026-11-30T10:00:05.000Z\",\"generation_id\":\"…\",\"paused\":false,\"queue_position\":12}\n\n"
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/generations/{id}/stream-token": {
              "post": {
                "operationId": "createStreamToken",
                "tags": ["generations"],
                "summary": "A short-lived token to open this generation's event stream from a browser",
                "description": "A browser's EventSource cannot send an Authorization header, and a user's token must never appear in a URL: this token opens the event stream of this one generation, and only for a while.",
                "parameters": [{"$ref": "#/components/parameters/GenerationID"}],
                "responses": {
                  "201": {
                    "description": "The token and the URL to open.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StreamToken"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/images/{id}": {
              "get": {
                "operationId": "getImage",
                "tags": ["files"],
                "summary": "One stored image's record",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "responses": {
                  "200": {"description": "The image.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Image"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/files": {
              "post": {
                "operationId": "uploadFile",
                "tags": ["files"],
                "summary": "Upload an input image, then name it by id in source_image_url or mask_image_url",
                "description": "The image is the body, sent as application/octet-stream; the gateway also takes it with its own Content-Type (image/png, image/jpeg, image/webp or image/gif) or as the part named `file` of a multipart/form-data body (`curl -F file=@photo.jpg`), listed here as octet-stream alone so generated clients stay simple. Up to FILES_MAX_UPLOAD_BYTES (20 MiB by default; 413 past it). Its type is judged by its bytes (a declared type that disagrees is a 422); EXIF, XMP and text metadata are removed (EXIF orientation with them). It is yours alone (404 to others), counts in GET /v1/usage, and is deleted at `expires_at` (FILES_RETENTION_HOURS, 24 by default). `url` serves its bytes without a bearer token until then: it is how Replicate fetches it, so share it only as you would the image.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "Stored.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InputFile"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "415": {
                    "description": "Neither an image body nor multipart/form-data.",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                  },
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "get": {
                "operationId": "listFiles",
                "tags": ["files"],
                "summary": "Your input files that have not expired, newest first",
                "parameters": [{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}],
                "responses": {
                  "200": {"description": "Your files.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InputFileList"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/files/{id}": {
              "get": {
                "operationId": "getFile",
                "tags": ["files"],
                "summary": "One input file",
                "parameters": [{"$ref": "#/components/parameters/FileID"}],
                "responses": {
                  "200": {"description": "The file.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InputFile"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "deleteFile",
                "tags": ["files"],
                "summary": "Delete an input file now",
                "description": "Its link stops working at once: a generation that names it and has not started yet fails when Replicate cannot fetch it.",
                "parameters": [{"$ref": "#/components/parameters/FileID"}],
                "responses": {
                  "204": {"description": "Deleted."},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/files/uploads": {
              "post": {
                "operationId": "createFileUpload",
                "tags": ["files"],
                "summary": "Upload an input image straight to the bucket (S3 storage only)",
                "description": "Answers a presigned `upload_url`: PUT the image's bytes there (no bearer token) within 15 minutes, then POST `complete_url` within the hour. Completing checks what arrived as POST /v1/files checks a body (and removes its metadata) and answers the input file, whose id is the upload's. With files on disk this answers 409: send the image to POST /v1/files.",
                "responses": {
                  "201": {"description": "Where to PUT the image.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InputFileUpload"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/files/uploads/{id}/complete": {
              "post": {
                "operationId": "completeFileUpload",
                "tags": ["files"],
                "summary": "Make a direct upload an input file",
                "parameters": [{"$ref": "#/components/parameters/FileID"}],
                "responses": {
                  "201": {
                    "description": "Stored.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InputFile"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/files/{id}/content": {
              "get": {
                "operationId": "getFileContent",
                "tags": ["files"],
                "summary": "An input file's bytes, by the link in its `url`",
                "security": [],
                "parameters": [
                  {"$ref": "#/components/parameters/FileID"},
                  {"name": "token", "in": "query", "required": true, "description": "The capability in the file's `url`.", "schema": {"type": "string"}}
                ],
                "responses": {
                  "200": {
                    "description": "The image.",
                    "content": {
                      "image/png": {"schema": {"type": "string", "format": "binary"}},
                      "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                      "image/webp": {"schema": {"type": "string", "format": "binary"}},
                      "image/gif": {"schema": {"type": "string", "format": "binary"}}
                    }
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/keys": {
              "post": {
                "operationId": "createKey",
                "tags": ["keys"],
                "summary": "Make an API key (shown once)",
                "description": "A key speaks for you within its scopes: `generate` (create generations, batches, files; cancel), `read` (every GET), `delete` (every DELETE), `admin` (keys, the webhook secret and the account webhook). Send it as `Authorization: Bearer igk_…` wherever a user token works; a route beyond its scopes answers 403 naming the scope. Only its SHA-256 is kept: `key` is in this answer and never again. Revoking is effective at once on every gateway.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["name"],
                        "properties": {
                          "name": {"type": "string", "minLength": 1, "maxLength": 100},
                          "scopes": {"type": ["array", "null"], "minItems": 1, "items": {"type": "string", "enum": ["generate", "read", "delete", "admin"]}, "description": "Default (absent or null): generate and read."},
                          "expires_at": {"type": ["string", "null"], "format": "date-time", "description": "When it stops working (in the future); absent or null: never."},
                          "rate_per_minute": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000000, "description": "Its own limit: writes a minute, held beside its user's."},
                          "monthly_usd": {"type": ["number", "null"], "minimum": 0, "maximum": 99999999, "description": "Its own monthly budget (USD) over the generations made with it, held beside its user's and project's: past it, 402 with scope `key`."}
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {"description": "The key, with `key` shown this once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiKey"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "get": {
                "operationId": "listKeys",
                "tags": ["keys"],
                "summary": "Your API keys, newest first (never the keys themselves)",
                "responses": {
                  "200": {"description": "Your keys.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiKeyList"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/keys/{id}": {
              "delete": {
                "operationId": "revokeKey",
                "tags": ["keys"],
                "summary": "Revoke an API key, at once everywhere",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "responses": {
                  "204": {"description": "Revoked (again is fine)."},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/batches": {
              "post": {
                "operationId": "createBatch",
                "tags": ["batches"],
                "summary": "Start up to 10,000 generations in one request",
                "description": "Items are ordinary generation requests, sent as `{\"items\": [...]}`, as JSON Lines (`Content-Type: application/x-ndjson`, a request per line, read as it arrives) or as `{\"template\": {...}, \"matrix\": {\"field\": [values], ...}}` (every combination over the template). Every item is validated before anything is written: a 422 names each bad item by index and field (`items[3].width`), and nothing is created. The whole batch's expected cost must fit the monthly budget (402, nothing created) and is reserved. Items become generations carrying `batch_id`, created in one transaction, claimed after every interactive request (their priority less 11) and fairly across users' batches (an item's rank is its place in its batch); they do not count against the running cap. A repeated `Idempotency-Key` with the same items returns the batch (200); with others, 409.",
                "parameters": [
                  {"name": "Idempotency-Key", "in": "header", "required": false, "description": "Makes retries safe: one batch per key and user.", "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
                  {"name": "webhook", "in": "query", "required": false, "description": "Where the batch's `batch.completed` event is posted: the only way with JSON Lines (the JSON shapes may carry `webhook` in the body instead, not both).", "schema": {"type": "string", "maxLength": 2048}},
                  {"name": "Cancel-After", "in": "header", "required": false, "description": "Every item's deadline, counted from now (Replicate's syntax).", "schema": {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/BatchRequest"},
                      "examples": {
                        "items": {"summary": "Items", "value": {"items": [{"prompt": "a lighthouse", "model_id": "black-forest-labs/flux-schnell"}, {"prompt": "a harbour", "model_id": "black-forest-labs/flux-schnell", "seed": 7}]}},
                        "matrix": {"summary": "Template and matrix", "value": {"template": {"model_id": "black-forest-labs/flux-schnell"}, "matrix": {"prompt": ["a cat", "a dog"], "seed": [1, 2, 3]}}}
                      }
                    },
                    "application/x-ndjson": {
                      "schema": {"type": "string", "description": "One generation request (a JSON object) per line; blank lines are skipped."}
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Accepted: every item is queued.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}},
                    "links": {
                      "GetBatch": {"operationId": "getBatch", "parameters": {"id": "$response.body#/id"}},
                      "GetBatchResults": {"operationId": "getBatchResults", "parameters": {"id": "$response.body#/id"}},
                      "CancelBatch": {"operationId": "cancelBatch", "parameters": {"id": "$response.body#/id"}}
                    }
                  },
                  "200": {
                    "description": "The batch an `Idempotency-Key` made before.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "402": {"$ref": "#/components/responses/OverBudget"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "429": {"$ref": "#/components/responses/TooMany"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "get": {
                "operationId": "listBatches",
                "tags": ["batches"],
                "summary": "List your batches, newest first",
                "parameters": [
                  {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                  {"name": "cursor", "in": "query", "required": false, "description": "`next_cursor` of the previous page.", "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {
                  "200": {"description": "A page of batches.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchPage"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/batches/{id}": {
              "get": {
                "operationId": "getBatch",
                "tags": ["batches"],
                "summary": "A batch: its items' counts by status, cost so far and expected completion",
                "parameters": [{"$ref": "#/components/parameters/BatchID"}],
                "responses": {
                  "200": {"description": "The batch.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "deleteBatch",
                "tags": ["batches"],
                "summary": "Delete a batch and every item",
                "description": "Cancels what has not finished, then deletes each item as DELETE /v1/generations/{id} does (images and all).",
                "parameters": [{"$ref": "#/components/parameters/BatchID"}],
                "responses": {
                  "204": {"description": "Deleted."},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/batches/{id}/results": {
              "get": {
                "operationId": "getBatchResults",
                "tags": ["batches"],
                "summary": "Every item's outcome, as JSON Lines",
                "description": "One BatchResultLine per line, in the items' order, streamed (read and written 500 at a time).",
                "parameters": [{"$ref": "#/components/parameters/BatchID"}],
                "responses": {
                  "200": {
                    "description": "One BatchResultLine per line.",
                    "content": {"application/x-ndjson": {"schema": {"type": "string", "description": "One BatchResultLine (JSON) per line."}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/batches/{id}/events": {
              "get": {
                "operationId": "streamBatchEvents",
                "tags": ["batches"],
                "summary": "Server-Sent Events of a batch's counts",
                "description": "A `batch` event (data: a Batch) at the start and whenever its counts change (checked every second); the stream ends once every item is finished.",
                "parameters": [{"$ref": "#/components/parameters/BatchID"}],
                "responses": {
                  "200": {
                    "description": "The event stream.",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "object",
                          "required": ["data"],
                          "properties": {
                            "event": {"const": "batch"},
                            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": "#/components/schemas/Batch"}}
                          }
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/batches/{id}/cancel": {
              "post": {
                "operationId": "cancelBatch",
                "tags": ["batches"],
                "summary": "Cancel what has not finished, keep what has",
                "parameters": [{"$ref": "#/components/parameters/BatchID"}],
                "responses": {
                  "200": {"description": "The batch, cancelled.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/models": {
              "get": {
                "operationId": "listModels",
                "tags": ["catalog"],
                "summary": "The models: what each can do and costs",
                "security": [],
                "responses": {
                  "200": {"description": "The catalog.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}}
                }
              }
            },
            "/files/{path}": {
              "get": {
                "operationId": "getFile",
                "tags": ["files"],
                "summary": "A stored image's bytes (ETag, Range); `public_url` of an Image",
                "description": "Images stored on disk, served only through the signed, expiring link an Image's public_url gives (FILES_URL_TTL, an hour by default); get the generation again for a fresh one. Operators may make links plain and permanent (FILES_PUBLIC). With images in a bucket (STORAGE_URL=s3://…) public_url is a presigned GET of the object instead, and nothing is served here.",
                "security": [],
                "parameters": [
                  {"name": "path", "in": "path", "required": true, "schema": {"type": "string"}},
                  {"name": "expires", "in": "query", "required": false, "description": "Unix time the link expires (part of public_url).", "schema": {"type": "integer"}},
                  {"name": "sig", "in": "query", "required": false, "description": "The link's signature (part of public_url).", "schema": {"type": "string"}}
                ],
                "responses": {
                  "200": {
                    "description": "The file.",
                    "content": {
                      "image/*": {"schema": {"type": "string", "format": "binary"}},
                      "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                    }
                  },
                  "206": {
                    "description": "A range of it.",
                    "content": {
                      "image/*": {"schema": {"type": "string", "format": "binary"}},
                      "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                    }
                  },
                  "304": {"description": "Not modified (If-None-Match)."},
                  "403": {
                    "description": "The link is unsigned, altered or expired.",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "400": {"$ref": "#/components/responses/BadRequest"}
                }
              }
            },
            "/functions/v1/start-generation": {
              "post": {
                "operationId": "startGenerationLegacy",
                "tags": ["legacy"],
                "summary": "The old system's start-generation endpoint",
                "description": "The same request as POST /v1/generations; answers in the old shape: `{success, generation_id, job_id, status, message}`, and `{success: false, error, errors}` on failure.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerationRequest"}}}},
                "responses": {
                  "200": {"description": "Started.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LegacyStarted"}}}},
                  "400": {"$ref": "#/components/responses/LegacyFailure"},
                  "401": {"$ref": "#/components/responses/LegacyFailure"},
                  "409": {"$ref": "#/components/responses/LegacyFailure"},
                  "413": {"$ref": "#/components/responses/LegacyFailure"},
                  "422": {"$ref": "#/components/responses/LegacyFailure"},
                  "429": {"$ref": "#/components/responses/LegacyFailure"},
                  "503": {"$ref": "#/components/responses/LegacyFailure"},
                  "402": {"$ref": "#/components/responses/LegacyFailure"}
                }
              }
            },
            "/health/live": {
              "get": {
                "operationId": "getLiveness",
                "tags": ["operations"],
                "summary": "The process is up",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Alive.",
                    "content": {
                      "application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "live"}}}}
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "getOpenAPIDocument",
                "tags": ["operations"],
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
              }
            },
            "/v1/replicate/webhook": {
              "post": {
                "operationId": "receiveReplicateWebhook",
                "tags": ["replicate"],
                "summary": "Replicate's prediction updates",
                "description": "Signed by Replicate with the account's webhook secret (`webhook-id`, `webhook-timestamp`, `webhook-signature`); refused when forged, stale or replayed. 503 when the gateway has no way to know the secret (neither REPLICATE_WEBHOOK_SECRET nor REPLICATE_API_TOKEN).",
                "security": [],
                "parameters": [
                  {"name": "webhook-id", "in": "header", "required": true, "schema": {"type": "string"}},
                  {"name": "webhook-timestamp", "in": "header", "required": true, "schema": {"type": "string"}},
                  {"name": "webhook-signature", "in": "header", "required": true, "schema": {"type": "string"}}
                ],
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"type": "object", "description": "A Replicate prediction."}}}
                },
                "responses": {
                  "200": {"description": "Applied."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/generations/{id}/webhook-deliveries": {
              "get": {
                "operationId": "listWebhookDeliveries",
                "tags": ["webhooks"],
                "summary": "Every attempt to deliver this generation's webhooks",
                "parameters": [{"$ref": "#/components/parameters/GenerationID"}],
                "responses": {
                  "200": {
                    "description": "The attempts, oldest first.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookDeliveryList"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/webhook-secret": {
              "get": {
                "operationId": "getWebhookSecret",
                "tags": ["webhooks"],
                "summary": "Your webhook signing secret (made on first use)",
                "responses": {
                  "200": {
                    "description": "The secret.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookSecret"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/webhook-secret/rotate": {
              "post": {
                "operationId": "rotateWebhookSecret",
                "tags": ["webhooks"],
                "summary": "Replace your webhook secret; the old one keeps signing beside it for 24 hours",
                "responses": {
                  "200": {
                    "description": "The new secret.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookSecret"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/account/webhook": {
              "get": {
                "operationId": "getAccountWebhook",
                "tags": ["webhooks"],
                "summary": "Where your account events (budget.threshold) are posted, and the latest deliveries",
                "responses": {
                  "200": {"description": "The account webhook.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountWebhook"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "put": {
                "operationId": "setAccountWebhook",
                "tags": ["webhooks"],
                "summary": "Set where your account events are posted",
                "description": "A `budget.threshold` event is posted when this month's spend reaches 50, 80 and 100 % of your monthly budget, each once a month, signed with your webhook secret as generation webhooks are. Its body is a `BudgetThresholdEvent`. Set with a project's key (made through the admin API), it is the project's: its events are the project's budget's. A receiver answering 410 Gone removes the webhook.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["url"],
                        "properties": {"url": {"type": "string", "maxLength": 2048, "description": "An https URL on a public host."}}
                      }
                    }
                  }
                },
                "responses": {
                  "200": {"description": "The account webhook.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountWebhook"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "deleteAccountWebhook",
                "tags": ["webhooks"],
                "summary": "Stop posting your account events",
                "responses": {
                  "204": {"description": "Removed."},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/v1/usage": {
              "get": {
                "operationId": "getUsage",
                "tags": ["usage"],
                "summary": "Your generations, images and cost over a period",
                "parameters": [
                  {
                    "name": "from",
                    "in": "query",
                    "required": false,
                    "description": "A date (2026-11-01, UTC) or timestamp, inclusive; default the start of this month.",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": false,
                    "description": "A date or timestamp, exclusive; default now.",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "group_by",
                    "in": "query",
                    "required": false,
                    "description": "day, model, variant (an experiment's alias and model), or key (the API key's id; token for user tokens).",
                    "schema": {"type": "string", "enum": ["day", "model", "variant", "key"], "default": "day"}
                  }
                ],
                "responses": {
                  "200": {"description": "The usage.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Usage"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "422": {"$ref": "#/components/responses/Invalid"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT or API key", "description": "A JWT whose `sub` is the user's UUID, or an API key (`igk_…`, POST /v1/keys) within its scopes."},
              "streamToken": {
                "type": "apiKey",
                "in": "query",
                "name": "token",
                "description": "From POST /v1/generations/{id}/stream-token; opens that generation's event stream only."
              }
            },
            "parameters": {
              "GenerationID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
              "BatchID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
              "FileID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
            },
            "headers": {
              "Location": {"description": "The generation's URL.", "schema": {"type": "string"}},
              "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
              "RateLimit-Limit": {"description": "Requests allowed per window (IETF draft).", "schema": {"type": "integer"}},
              "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
              "RateLimit-Reset": {"description": "Seconds until a request is allowed again.", "schema": {"type": "integer"}}
            },
            "responses": {
              "BadRequest": {
                "description": "The request is malformed (a body that is not the JSON object expected, a path that climbs out of its folder).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Unauthorized": {
                "description": "No, malformed, expired or refused credentials.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Forbidden": {
                "description": "The API key lacks the scope this route needs (the detail names it).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "NotFound": {
                "description": "No such resource, or not yours.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Conflict": {
                "description": "The request conflicts with the resource's state (already finished; an Idempotency-Key used with another body).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "TooLarge": {
                "description": "The body exceeds its limit.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Invalid": {
                "description": "Invalid fields; `errors` names each with the reason.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "TooMany": {
                "description": "Too many requests a minute, or too many generations running at once.",
                "headers": {
                  "Retry-After": {"$ref": "#/components/headers/Retry-After"},
                  "RateLimit-Limit": {"$ref": "#/components/headers/RateLimit-Limit"},
                  "RateLimit-Remaining": {"$ref": "#/components/headers/RateLimit-Remaining"},
                  "RateLimit-Reset": {"$ref": "#/components/headers/RateLimit-Reset"}
                },
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "Unavailable": {
                "description": "A dependency (the database) is unavailable, or the queue is full (`Queue full`: GATEWAY_MAX_QUEUED generations are waiting to start; nothing was written); retry after Retry-After.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
              },
              "LegacyFailure": {
                "description": "The old endpoint's failure shape, with an honest status code.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LegacyFailure"}}}
              },
              "OverBudget": {
                "description": "The request's expected cost would take your spend this month plus what your running generations reserve past your monthly budget. `type` is https://imagegen.dev/problems/budget-exhausted; the body carries budget_usd, committed_usd and request_usd.",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/BudgetProblem"}}}
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                  "type": {"type": "string"},
                  "title": {"type": "string"},
                  "status": {"type": "integer"},
                  "detail": {"type": "string"},
                  "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
                }
              },
              "FieldError": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}}
              },
              "GenerationRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": ["prompt", "model_id"],
                "description": "Model-specific rules (sizes, step and guidance ranges, styles, outputs, image-to-image) are checked against the model's own inputs: see GET /v1/models. A field sent as null is left out.",
                "properties": {
                  "prompt": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "What to draw (not blank)."},
                  "model_id": {
                    "type": "string",
                    "maxLength": 200,
                    "description": "A model id or an alias from GET /v1/models.",
                    "example": "black-forest-labs/flux-schnell"
                  },
                  "model_version": {
                    "type": ["string", "null"],
                    "pattern": "^[0-9a-f]{64}$",
                    "description": "Only for a community model, and only its listed version."
                  },
                  "width": {
                    "type": ["integer", "null"],
                    "minimum": 64,
                    "maximum": 4096,
                    "description": "Pixels; fitted to what the model takes (default 1024)."
                  },
                  "height": {
                    "type": ["integer", "null"],
                    "minimum": 64,
                    "maximum": 4096,
                    "description": "Pixels; fitted to what the model takes (default 1024)."
                  },
                  "num_inference_steps": {"type": ["integer", "null"], "minimum": 1, "maximum": 500},
                  "guidance_scale": {"type": ["number", "null"], "minimum": 0, "maximum": 50},
                  "seed": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
                  "negative_prompt": {"type": ["string", "null"], "maxLength": 2000},
                  "source_image_url": {"type": ["string", "null"], "description": "For image-to-image: the id of a file you uploaded (POST /v1/files), a public https URL, or a data: URI of an image that fits in the 64 KiB request body. A file id is stored as the file's link."},
                  "safety_level": {"type": ["string", "null"], "enum": ["strict", "standard", "relaxed", null], "description": "How strict the model's safety checker is, mapped to its own input (FLUX's safety_tolerance, Imagen's safety_filter_level, the community models' disable_safety_checker, which only relaxed turns off); at most the operator's GATEWAY_SAFETY_CEILING (standard by default; past it, 422). Omitted: the model's default. A refusal fails the generation with error_code content_filtered."},
                  "output_format": {"type": ["string", "null"], "enum": ["png", "jpg", "webp", null], "description": "The file format, for models that let one choose it (a model that returns one format only takes just that one; 422 otherwise)."},
                  "mask_image_url": {"type": ["string", "null"], "description": "For inpainting, with source_image_url (models whose mask_image_url appears in GET /v1/models): the mask as a file id, https URL or data: URI; white is repainted."},
                  "strength": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "Needs source_image_url."},
                  "style": {"type": ["string", "null"], "maxLength": 100},
                  "num_outputs": {"type": ["integer", "null"], "minimum": 1, "maximum": 4},
                  "priority": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": 10,
                    "description": "Higher runs sooner; capped at what your token allows."
                  },
                  "webhook": {
                    "type": ["string", "null"],
                    "maxLength": 2048,
                    "description": "An https URL of a public host that receives this generation's events, signed per the Standard Webhooks specification with your secret (GET /v1/webhook-secret). Plain http only for origins the operator allows (WEBHOOK_ALLOWED_ORIGINS)."
                  },
                  "deadline": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "RFC 3339, in the future: not started by then, the generation fails timed_out without running; started, it is cancelled then (Replicate is told the rest as its own Cancel-After). The Cancel-After header does the same relative to now; the earlier wins."
                  },
                  "webhook_events_filter": {
                    "type": ["array", "null"],
                    "minItems": 1,
                    "items": {"type": "string", "enum": ["start", "progress", "completed"]},
                    "description": "Which events to post (default completed: finished, failed or cancelled). Needs webhook."
                  }
                }
              },
              "GenerationStatus": {"type": "string", "enum": ["pending", "queued", "processing", "downloading", "completed", "failed", "cancelled"]},
              "Generation": {
                "type": "object",
                "required": [
                  "id",
                  "user_id",
                  "prompt",
                  "model",
                  "model_id",
                  "width",
                  "height",
                  "steps",
                  "guidance_scale",
                  "num_outputs",
                  "priority",
                  "status",
                  "progress",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "user_id": {"type": "string", "format": "uuid"},
                  "prompt": {"type": "string"},
                  "negative_prompt": {"type": "string"},
                  "model": {"type": "string"},
                  "model_id": {"type": "string"},
                  "model_version": {"type": "string"},
                  "style": {"type": "string"},
                  "width": {"type": "integer"},
                  "height": {"type": "integer"},
                  "steps": {"type": "integer"},
                  "guidance_scale": {"type": "number"},
                  "seed": {"type": "integer"},
                  "source_image_url": {"type": "string"},
                  "mask_image_url": {"type": "string"},
                  "safety_level": {"type": "string", "enum": ["strict", "standard", "relaxed"]},
                  "output_format": {"type": "string", "enum": ["png", "jpg", "webp"]},
                  "strength": {"type": "number"},
                  "num_outputs": {"type": "integer"},
                  "priority": {"type": "integer"},
                  "status": {"$ref": "#/components/schemas/GenerationStatus"},
                  "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                  "error_code": {
                    "type": "string",
                    "description": "Why it failed, for programs: input_rejected, model_failed, content_filtered, model_unavailable, no_output, timed_out, cancelled_upstream, output_unusable, unavailable, cancelled."
                  },
                  "error_message": {"type": "string"},
                  "generation_time_seconds": {"type": "integer"},
                  "replicate_prediction_id": {"type": "string"},
                  "output_urls": {"type": "array", "items": {"type": "string"}},
                  "predict_time": {"type": "number"},
                  "cost": {"type": "number"},
                  "created_at": {"type": "string", "format": "date-time"},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "completed_at": {"type": "string", "format": "date-time"},
                  "images": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Image"},
                    "description": "The stored images of a completed generation (also in lists)."
                  },
                  "webhook": {"type": "string"},
                  "webhook_events_filter": {"type": "array", "items": {"type": "string"}},
                  "model_alias": {"type": "string", "description": "The alias the request named, when model_id is the variant chosen for you."},
                  "batch_id": {"type": "string", "format": "uuid", "description": "The batch it was made in (POST /v1/batches); absent for a generation made on its own."},
                  "paused": {"type": "boolean", "description": "True while it waits to start because an operator paused its model or generation itself."},
                  "queue_position": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "While it waits: how many generations start before it, in the order they are claimed (priority, fairness, time), as of at most 5 s ago: exact in a queue under about 1,000, to within a thousandth of the queue in a longer one. On GET and lists (not on the POST's answer)."
                  },
                  "estimated_start_at": {"type": "string", "format": "date-time", "description": "While it waits: when it should start, at the rate the queue drained in the last minute."},
                  "estimated_completion_at": {"type": "string", "format": "date-time", "description": "When it should finish, from what its model takes lately (GET /v1/models)."},
                  "deadline_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When it must have finished (the request's deadline or Cancel-After, or the operator's default): not started by then it fails timed_out without running; started, it is cancelled then."
                  }
                }
              },
              "GenerationPage": {
                "type": "object",
                "required": ["data"],
                "properties": {
                  "data": {"type": "array", "items": {"$ref": "#/components/schemas/Generation"}},
                  "next_cursor": {"type": "string", "description": "Pass as `cursor` for the next page; absent on the last."}
                }
              },
              "BatchRequest": {
                "oneOf": [{"$ref": "#/components/schemas/BatchOfItems"}, {"$ref": "#/components/schemas/BatchOfCombinations"}]
              },
              "BatchOfItems": {
                "type": "object",
                "required": ["items"],
                "additionalProperties": false,
                "properties": {
                  "items": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"$ref": "#/components/schemas/GenerationRequest"}},
                  "webhook": {"$ref": "#/components/schemas/BatchWebhook"}
                }
              },
              "BatchWebhook": {
                "type": "string",
                "maxLength": 2048,
                "description": "Where one `batch.completed` event is posted once every item has finished (https; signed as generation webhooks are)."
              },
              "BatchOfCombinations": {
                "type": "object",
                "required": ["template", "matrix"],
                "additionalProperties": false,
                "properties": {
                  "template": {"type": "object", "additionalProperties": true, "description": "A generation request, less the fields the matrix gives."},
                  "matrix": {"$ref": "#/components/schemas/BatchMatrix"},
                  "webhook": {"$ref": "#/components/schemas/BatchWebhook"}
                }
              },
              "BatchMatrix": {
                "type": "object",
                "minProperties": 1,
                "description": "Field name → values; every combination (at most 10,000) is an item.",
                "additionalProperties": {"type": "array", "minItems": 1, "items": {}}
              },
              "BatchCounts": {
                "type": "object",
                "required": ["pending", "queued", "processing", "downloading", "completed", "failed", "cancelled"],
                "properties": {
                  "pending": {"type": "integer", "minimum": 0},
                  "queued": {"type": "integer", "minimum": 0},
                  "processing": {"type": "integer", "minimum": 0},
                  "downloading": {"type": "integer", "minimum": 0},
                  "completed": {"type": "integer", "minimum": 0},
                  "failed": {"type": "integer", "minimum": 0},
                  "cancelled": {"type": "integer", "minimum": 0}
                }
              },
              "Batch": {
                "type": "object",
                "required": ["id", "status", "item_count", "counts", "cost_usd", "expected_cost_usd", "created_at"],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "status": {"type": "string", "enum": ["running", "completed", "cancelled"]},
                  "item_count": {"type": "integer", "minimum": 1, "maximum": 10000},
                  "counts": {"$ref": "#/components/schemas/BatchCounts"},
                  "cost_usd": {"type": "number", "description": "What its finished items cost so far."},
                  "expected_cost_usd": {"type": "number", "description": "What the whole batch was expected to cost (reserved at creation)."},
                  "created_at": {"type": "string", "format": "date-time"},
                  "cancelled_at": {"type": "string", "format": "date-time"},
                  "completed_at": {"type": "string", "format": "date-time", "description": "When its last item finished, once every item has."},
                  "estimated_completion_at": {"type": "string", "format": "date-time", "description": "While unfinished: when its last item should finish."},
                  "webhook": {"type": "string", "description": "Where its `batch.completed` event is posted."}
                }
              },
              "BatchPage": {
                "type": "object",
                "required": ["data"],
                "properties": {
                  "data": {"type": "array", "items": {"$ref": "#/components/schemas/Batch"}},
                  "next_cursor": {"type": "string", "description": "Pass as `cursor` for the next page; absent on the last."}
                }
              },
              "BatchResultLine": {
                "type": "object",
                "required": ["index", "generation_id", "status", "images"],
                "properties": {
                  "index": {"type": "integer", "minimum": 0, "description": "The item's place in the request."},
                  "generation_id": {"type": "string", "format": "uuid"},
                  "status": {"$ref": "#/components/schemas/GenerationStatus"},
                  "error_code": {"type": "string"},
                  "error_message": {"type": "string"},
                  "images": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}}
                }
              },
              "GenerationEvent": {
                "type": "object",
                "required": ["id", "generation_id", "status", "progress", "created_at"],
                "properties": {
                  "id": {"type": "integer"},
                  "generation_id": {"type": "string", "format": "uuid"},
                  "status": {"$ref": "#/components/schemas/GenerationStatus"},
                  "progress": {"type": "integer"},
                  "error_message": {"type": "string"},
                  "created_at": {"type": "string", "format": "date-time"}
                }
              },
              "QueueEvent": {
                "type": "object",
                "description": "Where an unfinished generation stands (the same figures as on GET).",
                "required": ["generation_id", "paused"],
                "properties": {
                  "generation_id": {"type": "string", "format": "uuid"},
                  "paused": {"type": "boolean", "description": "True while it waits to start because an operator paused its model or generation itself."},
                  "queue_position": {"type": "integer", "minimum": 0, "description": "While it waits: how many generations start before it (see Generation.queue_position)."},
                  "estimated_start_at": {"type": "string", "format": "date-time", "description": "While it waits: when it should start."},
                  "estimated_completion_at": {"type": "string", "format": "date-time", "description": "When it should finish."}
                }
              },
              "StreamToken": {
                "type": "object",
                "required": ["token", "expires_at", "events_url"],
                "properties": {
                  "token": {"type": "string"},
                  "expires_at": {"type": "string", "format": "date-time"},
                  "events_url": {"type": "string", "description": "The event stream's path with the token: give it to EventSource as it is."}
                }
              },
              "Image": {
                "type": "object",
                "required": [
                  "id",
                  "generation_id",
                  "output_index",
                  "public_url",
                  "file_size",
                  "width",
                  "height",
                  "format",
                  "content_type",
                  "sha256",
                  "created_at"
                ],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "generation_id": {"type": "string", "format": "uuid"},
                  "user_id": {"type": "string", "format": "uuid"},
                  "output_index": {"type": "integer"},
                  "filename": {"type": "string"},
                  "storage_path": {"type": "string"},
                  "public_url": {"type": "string", "description": "Where the bytes are served."},
                  "file_size": {"type": "integer"},
                  "width": {"type": "integer"},
                  "height": {"type": "integer"},
                  "format": {"type": "string"},
                  "content_type": {"type": "string"},
                  "sha256": {"type": "string"},
                  "created_at": {"type": "string", "format": "date-time"}
                }
              },
              "ModelList": {
                "type": "object",
                "required": ["models", "aliases"],
                "properties": {
                  "models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}},
                  "aliases": {
                    "type": "array",
                    "description": "Model experiments: a name a request may give as model_id, which runs one of its variants by weight, the same one for the same user.",
                    "items": {
                      "type": "object",
                      "required": ["name", "variants"],
                      "properties": {
                        "name": {"type": "string"},
                        "variants": {
                          "type": "array",
                          "items": {
                            "type": "object",
                            "required": ["model_id", "weight"],
                            "properties": {"model_id": {"type": "string"}, "weight": {"type": "integer"}}
                          }
                        }
                      }
                    }
                  }
                }
              },
              "Model": {
                "type": "object",
                "required": ["id", "display_name", "official", "supports_image_to_image", "max_outputs", "output_format", "typical_seconds", "sizes", "parameters", "paused", "enabled", "run_seconds_p50", "run_seconds_p90", "timing_samples"],
                "properties": {
                  "enabled": {"type": "boolean", "description": "False when an operator disabled it (imagegen admin models disable): requests for it answer 422 with disabled_reason."},
                  "disabled_reason": {"type": "string"},
                  "id": {"type": "string"},
                  "display_name": {"type": "string"},
                  "official": {"type": "boolean"},
                  "supports_image_to_image": {"type": "boolean"},
                  "max_outputs": {"type": "integer"},
                  "output_format": {"type": "string"},
                  "typical_seconds": {"type": "number"},
                  "paused": {"type": "boolean", "description": "An operator paused the model: its generations wait to start."},
                  "run_seconds_p50": {"type": "number", "description": "What its predictions take at Replicate lately (median), learned from timing_samples runs; the catalog's typical time until there are five."},
                  "run_seconds_p90": {"type": "number", "description": "The 90th percentile of the same."},
                  "timing_samples": {"type": "integer"},
                  "queue_wait_seconds": {"type": "number", "description": "How long its generations have lately waited to start; absent until known."},
                  "price_per_image": {"type": "number", "description": "USD for one 1024×1024 image at the typical time; absent when unknown."},
                  "billing": {
                    "type": "object",
                    "description": "How Replicate bills the model; a generation's cost is computed from it and Replicate's own figures.",
                    "required": ["unit", "usd", "source"],
                    "properties": {
                      "unit": {"type": "string", "enum": ["image", "second", "megapixel"]},
                      "hardware": {"type": "string", "description": "For per-second billing."},
                      "usd": {"type": "number"},
                      "source": {"type": "string", "description": "Where and when the price was read."}
                    }
                  },
                  "sizes": {
                    "type": "array", "items": {"type": "string", "pattern": "^[0-9]+x[0-9]+$"},
                    "description": "width×height pairs the model renders exactly as asked (other sizes map to the nearest it takes)."
                  },
                  "parameters": {
                    "type": "array",
                    "description": "The optional request fields this model honours, with its own limits; any other optional field is ignored with a warning.",
                    "items": {
                      "type": "object",
                      "required": ["name", "type"],
                      "properties": {
                        "name": {"type": "string", "description": "The request field, e.g. num_inference_steps."},
                        "type": {"type": "string", "enum": ["integer", "number", "string", "uri"]},
                        "minimum": {"type": "number"},
                        "maximum": {"type": "number"},
                        "default": {"description": "The model's default when the field is left out."},
                        "choices": {"type": "array", "items": {"type": "string"}}
                      }
                    }
                  }
                }
              },
              "LegacyStarted": {
                "type": "object",
                "required": ["success", "generation_id", "status", "message"],
                "properties": {
                  "success": {"type": "boolean"},
                  "generation_id": {"type": "string", "format": "uuid"},
                  "job_id": {"type": "string", "format": "uuid"},
                  "status": {"type": "string"},
                  "message": {"type": "string"}
                }
              },
              "LegacyFailure": {
                "type": "object",
                "required": ["success", "error"],
                "properties": {
                  "success": {"type": "boolean"},
                  "error": {"type": "string"},
                  "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
                }
              },
              "WebhookSecret": {
                "type": "object",
                "required": ["secret"],
                "properties": {
                  "secret": {"type": "string", "description": "whsec_ and base64: verify webhooks with it (any Standard Webhooks library)."},
                  "previous_secret_valid_until": {
                    "type": "string",
                    "format": "date-time",
                    "description": "After a rotation, the old secret signs beside the new one until then."
                  }
                }
              },
              "WebhookDelivery": {
                "type": "object",
                "required": ["webhook_id", "event", "attempt", "attempted_at", "duration_ms"],
                "properties": {
                  "webhook_id": {"type": "string", "description": "The webhook-id header: the same for every attempt of one event."},
                  "event": {"type": "string", "enum": ["start", "progress", "completed"]},
                  "attempt": {"type": "integer"},
                  "attempted_at": {"type": "string", "format": "date-time"},
                  "status_code": {"type": "integer", "description": "Absent when the receiver gave no answer."},
                  "duration_ms": {"type": "integer"},
                  "error": {"type": "string"},
                  "next_attempt_at": {"type": "string", "format": "date-time", "description": "Absent when no attempt follows."}
                }
              },
              "WebhookDeliveryList": {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}}}
              },
              "AccountWebhook": {
                "type": "object",
                "required": ["url", "events", "updated_at", "deliveries"],
                "properties": {
                  "url": {"type": "string"},
                  "events": {"type": "array", "items": {"type": "string", "enum": ["budget.threshold"]}},
                  "updated_at": {"type": "string", "format": "date-time"},
                  "deliveries": {"type": "array", "description": "The latest 20 attempts, newest first.", "items": {"$ref": "#/components/schemas/WebhookDelivery"}}
                }
              },
              "BudgetThresholdEvent": {
                "type": "object",
                "description": "The body of a `budget.threshold` webhook.",
                "required": ["type", "timestamp", "user_id", "month", "threshold_percent", "budget_usd", "spent_usd", "crossed_at"],
                "properties": {
                  "type": {"type": "string", "enum": ["budget.threshold"]},
                  "timestamp": {"type": "string", "format": "date-time"},
                  "user_id": {"type": "string", "format": "uuid"},
                  "project_id": {"type": "string", "format": "uuid", "description": "Present when the budget is a project's: posted to the account webhook set with one of the project's keys (whose user id is the project's)."},
                  "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "The budget month (UTC)."},
                  "threshold_percent": {"type": "integer", "enum": [50, 80, 100]},
                  "budget_usd": {"type": "number"},
                  "spent_usd": {"type": "number", "description": "This month's spend when the crossing was seen."},
                  "crossed_at": {"type": "string", "format": "date-time"}
                }
              },
              "BudgetProblem": {
                "allOf": [
                  {"$ref": "#/components/schemas/Problem"},
                  {
                    "type": "object",
                    "required": ["budget_usd", "committed_usd", "request_usd", "scope"],
                    "properties": {
                      "scope": {"type": "string", "enum": ["user", "project", "key", "account"], "description": "`user`: your monthly budget; `project`: your project's, shared with its other members; `key`: the monthly budget of the API key the request came with; `account`: this service's monthly ceiling over every user (GATEWAY_ACCOUNT_MONTHLY_BUDGET_USD)."},
                      "budget_usd": {"type": "number"},
                      "committed_usd": {"type": "number", "description": "Spent this month plus reserved by running generations."},
                      "request_usd": {"type": "number", "description": "What this request is expected to cost."}
                    }
                  }
                ]
              },
              "UsageRow": {
                "type": "object",
                "required": ["key", "generations", "completed", "images", "unpriced_generations"],
                "properties": {
                  "key": {
                    "type": "string",
                    "description": "The day (UTC, 2026-11-30), the model id, or the variant (`fast: black-forest-labs/flux-schnell`)."
                  },
                  "generations": {"type": "integer"},
                  "completed": {"type": "integer"},
                  "images": {"type": "integer"},
                  "cost_usd": {"type": "number", "description": "The sum of the costs known; absent when none is."},
                  "unpriced_generations": {"type": "integer", "description": "Completed generations whose cost is unknown."}
                }
              },
              "ApiKey": {
                "type": "object",
                "required": ["id", "name", "hint", "scopes", "created_at"],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "name": {"type": "string"},
                  "hint": {"type": "string", "description": "Its first characters, to recognise it."},
                  "scopes": {"type": "array", "items": {"type": "string", "enum": ["generate", "read", "delete", "admin"]}},
                  "created_at": {"type": "string", "format": "date-time"},
                  "expires_at": {"type": "string", "format": "date-time"},
                  "last_used_at": {"type": "string", "format": "date-time", "description": "To the minute."},
                  "revoked_at": {"type": "string", "format": "date-time"},
                  "rate_per_minute": {"type": "integer", "description": "Its own limit: writes a minute, held beside its user's."},
                  "monthly_budget_usd": {"type": "number", "description": "Its own monthly budget (USD)."},
                  "spent_usd": {"type": "number", "description": "What the generations made with it cost this month (with a budget only)."},
                  "key": {"type": "string", "description": "The key itself: in the answer to POST /v1/keys only."}
                }
              },
              "ApiKeyList": {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}}
              },
              "InputFile": {
                "type": "object",
                "required": ["id", "url", "content_type", "width", "height", "size_bytes", "sha256", "created_at", "expires_at"],
                "properties": {
                  "id": {"type": "string", "format": "uuid", "description": "Name it in source_image_url or mask_image_url."},
                  "url": {"type": "string", "description": "Serves the bytes without a bearer token until expires_at (how Replicate fetches them)."},
                  "content_type": {"type": "string", "enum": ["image/png", "image/jpeg", "image/webp", "image/gif"]},
                  "width": {"type": "integer"},
                  "height": {"type": "integer"},
                  "size_bytes": {"type": "integer", "description": "As stored, without its metadata."},
                  "sha256": {"type": "string"},
                  "created_at": {"type": "string", "format": "date-time"},
                  "expires_at": {"type": "string", "format": "date-time"}
                }
              },
              "InputFileUpload": {
                "type": "object",
                "required": ["id", "upload_url", "method", "expires_at", "complete_url", "max_bytes"],
                "properties": {
                  "id": {"type": "string", "format": "uuid"},
                  "upload_url": {"type": "string", "description": "Presigned: PUT the bytes here, without a bearer token."},
                  "method": {"type": "string", "enum": ["PUT"]},
                  "expires_at": {"type": "string", "format": "date-time", "description": "When upload_url stops working."},
                  "complete_url": {"type": "string", "description": "POST here, with your token, once the PUT succeeded."},
                  "max_bytes": {"type": "integer", "description": "The largest image completing accepts (FILES_MAX_UPLOAD_BYTES)."}
                }
              },
              "InputFileList": {
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/InputFile"}}}
              },
              "Usage": {
                "type": "object",
                "required": ["from", "to", "group_by", "data", "total"],
                "properties": {
                  "from": {"type": "string", "format": "date-time"},
                  "to": {"type": "string", "format": "date-time"},
                  "group_by": {"type": "string", "enum": ["day", "model", "variant", "key"]},
                  "data": {"type": "array", "items": {"$ref": "#/components/schemas/UsageRow"}},
                  "total": {"$ref": "#/components/schemas/UsageRow"},
                  "files": {
                    "type": "object",
                    "description": "Your input files stored now, whatever the period.",
                    "required": ["count", "bytes"],
                    "properties": {"count": {"type": "integer"}, "bytes": {"type": "integer"}}
                  }
                }
              }
            }
          }
        }
        """#

    /// Every documented operation as `METHOD /path` (OpenAPI's `{name}` parameters).
    package static var operations: Set<String> {
        guard let document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { return [] }
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }
}
