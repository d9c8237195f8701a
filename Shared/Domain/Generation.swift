import ReplicateAPI
import Foundation
import PostgresNIO

/// Lifecycle states of a generation. `completed`, `failed` and `cancelled` are terminal.
package enum GenerationStatus: String, Sendable, Codable, CaseIterable {
    case pending, queued, processing, downloading, completed, failed, cancelled

    package var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// A generation row as the API shows it.
package struct Generation: Sendable, Codable, Equatable {
    package var id: UUID
    package var userId: UUID
    package var prompt: String
    package var negativePrompt: String?
    package var model: String
    package var modelId: String
    package var modelVersion: String?
    package var style: String?
    package var width: Int
    package var height: Int
    package var steps: Int
    package var guidanceScale: Double
    package var seed: Int?
    package var sourceImageUrl: String?
    package var strength: Double?
    package var numOutputs: Int
    package var priority: Int
    package var status: GenerationStatus
    package var progress: Int
    package var errorMessage: String?
    package var generationTimeSeconds: Int?
    package var replicatePredictionId: String?
    package var outputUrls: [String]?
    package var predictTime: Double?
    package var cost: Double?
    package var createdAt: Date
    package var updatedAt: Date
    package var completedAt: Date?

    /// The request this generation was made from.
    package var request: GenerationRequest {
        GenerationRequest(
            prompt: prompt, modelId: modelId, modelVersion: modelVersion, width: width, height: height,
            numInferenceSteps: steps == 0 ? nil : steps, guidanceScale: guidanceScale == 0 ? nil : guidanceScale, seed: seed,
            negativePrompt: negativePrompt, sourceImageUrl: sourceImageUrl, strength: strength, style: style,
            numOutputs: numOutputs, priority: priority
        )
    }

    /// The columns, cast to the types decoded, for every SELECT of a generation.
    package static let columns = """
        id, user_id, prompt, negative_prompt, model, model_id, model_version, style, width, height, steps,
        guidance_scale::float8, seed, source_image_url, strength::float8, num_outputs, priority, status, progress, error_message,
        generation_time_seconds, replicate_prediction_id, output_urls::text, predict_time, cost::float8, created_at, updated_at,
        completed_at
        """

    package init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        id = try r[0].decode(UUID.self)
        userId = try r[1].decode(UUID.self)
        prompt = try r[2].decode(String.self)
        negativePrompt = try r[3].decode(String?.self)
        model = try r[4].decode(String.self)
        modelId = try r[5].decode(String.self)
        modelVersion = try r[6].decode(String?.self)
        style = try r[7].decode(String?.self)
        width = try r[8].decode(Int.self)
        height = try r[9].decode(Int.self)
        steps = try r[10].decode(Int.self)
        guidanceScale = try r[11].decode(Double.self)
        seed = try r[12].decode(Int?.self)
        sourceImageUrl = try r[13].decode(String?.self)
        strength = try r[14].decode(Double?.self)
        numOutputs = try r[15].decode(Int.self)
        priority = try r[16].decode(Int.self)
        status = GenerationStatus(rawValue: try r[17].decode(String.self)) ?? .failed
        progress = try r[18].decode(Int.self)
        errorMessage = try r[19].decode(String?.self)
        generationTimeSeconds = try r[20].decode(Int?.self)
        replicatePredictionId = try r[21].decode(String?.self)
        outputUrls = try r[22].decode(String?.self).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        predictTime = try r[23].decode(Double?.self)
        cost = try r[24].decode(Double?.self)
        createdAt = try r[25].decode(Date.self)
        updatedAt = try r[26].decode(Date.self)
        completedAt = try r[27].decode(Date?.self)
    }
}

/// A stored image row.
package struct StoredImage: Sendable, Codable, Equatable {
    package var id: UUID
    package var generationId: UUID
    package var userId: UUID
    package var outputIndex: Int
    package var filename: String
    package var storagePath: String
    package var publicUrl: String
    package var fileSize: Int
    package var width: Int
    package var height: Int
    package var format: String
    package var contentType: String
    package var sha256: String
    package var createdAt: Date

    static let columns = """
        id, generation_id, user_id, output_index, filename, storage_path, public_url, file_size, width, height, format,
        content_type, sha256, created_at
        """

    init(row: PostgresRow) throws {
        let r = row.makeRandomAccess()
        id = try r[0].decode(UUID.self)
        generationId = try r[1].decode(UUID.self)
        userId = try r[2].decode(UUID.self)
        outputIndex = try r[3].decode(Int.self)
        filename = try r[4].decode(String.self)
        storagePath = try r[5].decode(String.self)
        publicUrl = try r[6].decode(String.self)
        fileSize = try r[7].decode(Int.self)
        width = try r[8].decode(Int.self)
        height = try r[9].decode(Int.self)
        format = try r[10].decode(String.self)
        contentType = try r[11].decode(String.self)
        sha256 = try r[12].decode(String.self)
        createdAt = try r[13].decode(Date.self)
    }

    /// A new image to upsert (id and created_at are assigned by the database).
    package init(
        generationId: UUID, userId: UUID, outputIndex: Int, filename: String, storagePath: String, publicUrl: String, fileSize: Int,
        width: Int, height: Int, format: String, contentType: String, sha256: String
    ) {
        self.id = UUID()
        self.generationId = generationId
        self.userId = userId
        self.outputIndex = outputIndex
        self.filename = filename
        self.storagePath = storagePath
        self.publicUrl = publicUrl
        self.fileSize = fileSize
        self.width = width
        self.height = height
        self.format = format
        self.contentType = contentType
        self.sha256 = sha256
        self.createdAt = Date()
    }
}

/// Payload of `generate-image` and `download-image` jobs: the generation to work on (services load the rest).
package struct GenerationJobPayload: Sendable, Codable, Equatable {
    package var generationId: UUID
    package var userId: UUID
    package init(generationId: UUID, userId: UUID) {
        self.generationId = generationId
        self.userId = userId
    }
}

/// Job types and their owning services.
package enum JobType {
    package static let generateImage = "generate-image"
    package static let downloadImage = "download-image"
}
