// Owns writing small PNG images, so the demo can make its own drawing files.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_PNG_H_
#define SUPPLIERS_CLIENT_CPP_CLI_PNG_H_

#include <cstdint>
#include <string>

namespace suppliers::client {

// A valid width x height 8-bit RGB PNG filled with a diagonal gradient of
// (r, g, b), as bytes.
std::string MakePng(int width, int height, uint8_t r, uint8_t g, uint8_t b);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_PNG_H_
