// The JSON answers of the HTTP API, on their own (no server, no Host).
#include "api/api_response.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace eventhost;

TEST_CASE(
    "an answer quoting request bytes that are not UTF-8 is still valid "
    "JSON") {
  // Found by fuzz_http_api: GET /api/plug\xA1\x91\x8C\xF5 made the 404's
  // message throw nlohmann's type_error instead of answering.
  const std::string path = "/api/plug\xA1\x91\x8C\xF5";
  const HttpResponse res =
      error_response(404, ErrorKind::kNotFound, "no route for GET " + path);
  CHECK(res.status == 404);
  REQUIRE(nlohmann::json::accept(res.body));
  const auto body = nlohmann::json::parse(res.body);
  CHECK(body["kind"] == "not_found");
  // Each byte that is not UTF-8 becomes U+FFFD.
  CHECK(body["error"] ==
        "no route for GET /api/plug\xEF\xBF\xBD\xEF\xBF\xBD"
        "\xEF\xBF\xBD\xEF\xBF\xBD");
}
