// GET /spec: a Swagger 2.0 document of the routes mount() serves, as LibreTranslate's flasgger
// writes one for its own (API explorers and some clients read it). Static: nmtd's routes and
// parameters are fixed; it declares nmtd's extra 503/504 answers and that /translate_file and
// /suggest are disabled here.
#include "front/libretranslate/handlers.h"

namespace nmtd::libretranslate {
namespace {

constexpr const char* kSpec = R"spec(
{
  "swagger": "2.0",
  "basePath": "/",
  "info": {
    "title": "LibreTranslate",
    "version": "1.9.6",
    "description": "LibreTranslate's API as nmtd serves it: offline NLLB-200 translation. Parameters may be sent as a form or as a JSON object (q may then be a list of strings).",
    "license": {"name": "AGPL-3.0"}
  },
  "consumes": ["application/x-www-form-urlencoded", "application/json"],
  "produces": ["application/json"],
  "paths": {
    "/translate": {
      "post": {
        "tags": ["translate"],
        "summary": "Translate text from a language to another",
        "parameters": [
          {"in": "formData", "name": "q", "type": "string", "required": true, "x-example": "Hello world!", "description": "Text(s) to translate; a JSON body may carry a list of strings"},
          {"in": "formData", "name": "source", "type": "string", "required": true, "x-example": "en", "description": "Source language code, or \"auto\" to detect it"},
          {"in": "formData", "name": "target", "type": "string", "required": true, "x-example": "es", "description": "Target language code"},
          {"in": "formData", "name": "format", "type": "string", "enum": ["text", "html"], "default": "text", "required": false, "description": "Format of the source text"},
          {"in": "formData", "name": "alternatives", "type": "integer", "default": 0, "required": false, "description": "Preferred number of alternative translations"},
          {"in": "formData", "name": "api_key", "type": "string", "required": false, "description": "API key (needed when the server has keys)"}
        ],
        "responses": {
          "200": {"description": "Translated text", "schema": {"$ref": "#/definitions/translate"}},
          "400": {"description": "Invalid request", "schema": {"$ref": "#/definitions/error-response"}},
          "403": {"description": "Banned or invalid API key", "schema": {"$ref": "#/definitions/error-response"}},
          "429": {"description": "Slow down (the server is overloaded)", "schema": {"$ref": "#/definitions/error-slow-down"}},
          "500": {"description": "Translation error", "schema": {"$ref": "#/definitions/error-response"}},
          "503": {"description": "No translation worker is available", "schema": {"$ref": "#/definitions/error-response"}},
          "504": {"description": "The translation did not finish in time", "schema": {"$ref": "#/definitions/error-response"}}
        }
      }
    },
    "/translate_file": {
      "post": {
        "tags": ["translate"],
        "summary": "Translate file (disabled on this server: always 403)",
        "consumes": ["multipart/form-data"],
        "parameters": [
          {"in": "formData", "name": "file", "type": "file", "required": true, "description": "File to translate"},
          {"in": "formData", "name": "source", "type": "string", "required": true, "description": "Source language code, or \"auto\""},
          {"in": "formData", "name": "target", "type": "string", "required": true, "description": "Target language code"},
          {"in": "formData", "name": "api_key", "type": "string", "required": false, "description": "API key"}
        ],
        "responses": {
          "403": {"description": "Files translation are disabled on this server.", "schema": {"$ref": "#/definitions/error-response"}}
        }
      }
    },
    "/detect": {
      "post": {
        "tags": ["translate"],
        "summary": "Detect the language of a single text",
        "parameters": [
          {"in": "formData", "name": "q", "type": "string", "required": true, "x-example": "What language is this?", "description": "Text to detect; a JSON body may carry a list of strings"},
          {"in": "formData", "name": "api_key", "type": "string", "required": false, "description": "API key (needed when the server has keys)"}
        ],
        "responses": {
          "200": {"description": "The most likely language (one element)", "schema": {"$ref": "#/definitions/detections"}},
          "400": {"description": "Invalid request", "schema": {"$ref": "#/definitions/error-response"}},
          "403": {"description": "Banned or invalid API key", "schema": {"$ref": "#/definitions/error-response"}},
          "429": {"description": "Slow down", "schema": {"$ref": "#/definitions/error-slow-down"}},
          "500": {"description": "Detection error", "schema": {"$ref": "#/definitions/error-response"}}
        }
      }
    },
    "/languages": {
      "get": {
        "tags": ["translate"],
        "summary": "Retrieve list of supported languages",
        "responses": {
          "200": {"description": "List of languages", "schema": {"$ref": "#/definitions/languages"}}
        }
      }
    },
    "/frontend/settings": {
      "get": {
        "tags": ["frontend"],
        "summary": "Retrieve frontend specific settings",
        "responses": {
          "200": {"description": "frontend settings", "schema": {"$ref": "#/definitions/frontend-settings"}}
        }
      }
    },
    "/suggest": {
      "post": {
        "tags": ["feedback"],
        "summary": "Submit a suggestion to improve a translation (disabled on this server: always 403)",
        "parameters": [
          {"in": "formData", "name": "q", "type": "string", "required": true, "description": "Original text"},
          {"in": "formData", "name": "s", "type": "string", "required": true, "description": "Suggested translation"},
          {"in": "formData", "name": "source", "type": "string", "required": true, "description": "Language of original text"},
          {"in": "formData", "name": "target", "type": "string", "required": true, "description": "Language of suggested translation"}
        ],
        "responses": {
          "403": {"description": "Suggestions are disabled on this server.", "schema": {"$ref": "#/definitions/error-response"}}
        }
      }
    },
    "/health": {
      "get": {
        "tags": ["misc"],
        "summary": "Health check",
        "responses": {
          "200": {"description": "The server answers", "schema": {"$ref": "#/definitions/health-response"}}
        }
      }
    }
  },
  "definitions": {
    "detected-language": {
      "type": "object",
      "properties": {
        "confidence": {"type": "number", "format": "float", "minimum": 0, "maximum": 100, "description": "Confidence value (0: nothing detected)"},
        "language": {"type": "string", "description": "Language code"}
      }
    },
    "translate": {
      "type": "object",
      "properties": {
        "translatedText": {"description": "Translated text(s): a string, or a list for a list q", "type": "string"},
        "detectedLanguage": {"$ref": "#/definitions/detected-language"},
        "alternatives": {"type": "array", "items": {"type": "string"}, "description": "Alternative translations"}
      }
    },
    "detections": {
      "type": "array",
      "items": {"$ref": "#/definitions/detected-language"}
    },
    "languages": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "code": {"type": "string", "description": "Language code"},
          "name": {"type": "string", "description": "Human-readable language name (in English)"},
          "targets": {"type": "array", "items": {"type": "string"}, "description": "Supported target language codes"}
        }
      }
    },
    "frontend-settings": {
      "type": "object",
      "properties": {
        "charLimit": {"type": "integer", "description": "Character input limit for this language (-1 indicates no limit)"},
        "frontendTimeout": {"type": "integer", "description": "Frontend translation timeout"},
        "apiKeys": {"type": "boolean", "description": "Whether the API key database is enabled."},
        "keyRequired": {"type": "boolean", "description": "Whether an API key is required."},
        "suggestions": {"type": "boolean", "description": "Whether submitting suggestions is enabled."},
        "filesTranslation": {"type": "boolean", "description": "Whether file translation is enabled."},
        "supportedFilesFormat": {"type": "array", "items": {"type": "string"}, "description": "Supported files format"},
        "language": {
          "type": "object",
          "properties": {
            "source": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "target": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
          }
        }
      }
    },
    "error-response": {
      "type": "object",
      "properties": {"error": {"type": "string", "description": "Error message"}}
    },
    "error-slow-down": {
      "type": "object",
      "properties": {"error": {"type": "string", "description": "Reason for slow down"}}
    },
    "health-response": {
      "type": "object",
      "properties": {"status": {"type": "string", "description": "Always \"ok\""}}
    }
  }
}
)spec";

}  // namespace

const nlohmann::json& spec_document() {
  static const nlohmann::json parsed = nlohmann::json::parse(kSpec);
  return parsed;
}

}  // namespace nmtd::libretranslate
