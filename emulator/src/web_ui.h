// The emulator's web UI on the --http listener: GET / and /ui/ serve the single page, which
// reads the JSON query API (query_api.h) and polls it; GET /ui/{file} serves the other
// embedded files (web_assets.h). Unknown files are a JSON 404 like the rest of the API.
//
//   RegisterWebUi(listener.server());
#pragma once

#include <httplib.h>

namespace ptx::emulator {

// Adds the UI's routes. Stateless: the handlers only read the immutable embedded assets, so
// they are safe on any number of worker threads.
void RegisterWebUi(httplib::Server& server);

}  // namespace ptx::emulator
