/// The OpenAPI 3.1 description of the public API, served at `/openapi.json`.
package enum OpenAPIDocumentRoutes {
    /// Every public route as (method, OpenAPI path).
    package static var all: [(method: String, path: String)] { OpenAPIDocument.routes }
}

enum OpenAPIDocument {
    /// Every public route as (method, OpenAPI path); a test checks the router and this list agree.
    static let routes: [(method: String, path: String)] = [
        ("post", "/v1/generations"), ("get", "/v1/generations"), ("get", "/v1/generations/{id}"),
        ("post", "/v1/generations/{id}/cancel"), ("get", "/v1/generations/{id}/events"), ("get", "/v1/models"),
        ("get", "/v1/images/{id}"), ("get", "/files/{path}"), ("post", "/functions/v1/start-generation"),
        ("get", "/health/live"), ("get", "/openapi.json"), ("post", "/v1/replicate/webhook"),
    ]

    static let json = """
        {
          "openapi": "3.1.0",
          "info": {"title": "imagegen", "version": "1.0.0",
                   "description": "Asynchronous image generation on Replicate's models. Errors are application/problem+json."},
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {
              "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}},
              "GenerationRequest": {"type": "object", "additionalProperties": false, "required": ["prompt", "model_id"], "properties": {
                "prompt": {"type": "string", "minLength": 1, "maxLength": 2000}, "model_id": {"type": "string"},
                "model_version": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "width": {"type": "integer", "minimum": 64, "maximum": 4096},
                "height": {"type": "integer", "minimum": 64, "maximum": 4096}, "num_inference_steps": {"type": "integer", "minimum": 1, "maximum": 500},
                "guidance_scale": {"type": "number", "minimum": 0, "maximum": 50}, "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                "negative_prompt": {"type": "string"}, "source_image_url": {"type": "string", "format": "uri"},
                "strength": {"type": "number", "minimum": 0, "maximum": 1}, "style": {"type": "string"},
                "num_outputs": {"type": "integer", "minimum": 1, "maximum": 4}, "priority": {"type": "integer", "minimum": 0, "maximum": 10}}},
              "Image": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "public_url": {"type": "string"},
                "width": {"type": "integer"}, "height": {"type": "integer"}, "format": {"type": "string"}, "sha256": {"type": "string"},
                "output_index": {"type": "integer"}, "file_size": {"type": "integer"}}},
              "Generation": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                "status": {"enum": ["pending", "queued", "processing", "downloading", "completed", "failed", "cancelled"]},
                "progress": {"type": "integer"}, "model_id": {"type": "string"}, "prompt": {"type": "string"},
                "error_code": {"type": ["string", "null"], "enum": ["input_rejected", "model_failed", "model_unavailable", "no_output", "timed_out", "cancelled_upstream", "output_unusable", "unavailable", "cancelled", null]},
                "error_message": {"type": ["string", "null"]}, "images": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}}}}
            }
          },
          "security": [{"bearer": []}],
          "paths": {
            "/v1/generations": {
              "post": {"summary": "Start a generation", "parameters": [
                  {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
                  {"name": "Prefer", "in": "header", "schema": {"type": "string", "example": "wait=30"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerationRequest"}}}},
                "responses": {"202": {"description": "Accepted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Generation"}}}},
                  "200": {"description": "Finished (Prefer: wait) or an idempotent replay"},
                  "401": {"description": "Unauthorized"}, "409": {"description": "Idempotency key reused with another body"},
                  "422": {"description": "Invalid fields", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "429": {"description": "Too many running generations"}}},
              "get": {"summary": "List own generations", "parameters": [
                  {"name": "status", "in": "query", "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                  {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "A page: data and next_cursor"}}}
            },
            "/v1/generations/{id}": {"get": {"summary": "One generation with its images",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
              "responses": {"200": {"description": "OK"}, "404": {"description": "Not found (or not yours)"}}}},
            "/v1/generations/{id}/cancel": {"post": {"summary": "Cancel a generation",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
              "responses": {"200": {"description": "Cancelled"}, "404": {"description": "Not found"}, "409": {"description": "Already finished"}}}},
            "/v1/generations/{id}/events": {"get": {"summary": "Server-Sent Events of status and progress",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}}],
              "responses": {"200": {"description": "text/event-stream"}}}},
            "/v1/models": {"get": {"summary": "The model catalog", "security": [], "responses": {"200": {"description": "OK"}}}},
            "/v1/images/{id}": {"get": {"summary": "One stored image",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
              "responses": {"200": {"description": "OK"}, "404": {"description": "Not found"}}}},
            "/files/{path}": {"get": {"summary": "Stored image bytes (ETag, Range)", "security": [],
              "parameters": [{"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}],
              "responses": {"200": {"description": "The file"}, "206": {"description": "A range"}, "404": {"description": "Not found"}}}},
            "/functions/v1/start-generation": {"post": {"summary": "The legacy start-generation endpoint",
              "responses": {"200": {"description": "{success, generation_id, job_id, status, message}"}}}},
            "/health/live": {"get": {"security": [], "responses": {"200": {"description": "Alive"}}}},
            "/openapi.json": {"get": {"security": [], "responses": {"200": {"description": "This document"}}}},
            "/v1/replicate/webhook": {"post": {"summary": "Replicate's prediction updates (signed with the account's webhook secret; for Replicate, not clients)",
              "security": [], "responses": {"200": {"description": "Applied"}, "401": {"description": "Forged, stale or replayed"},
                "404": {"description": "No generation recorded this prediction yet"}}}}
          }
        }
        """
}
