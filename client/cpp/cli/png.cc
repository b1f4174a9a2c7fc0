// Owns writing small PNG images, so the demo can make its own drawing files.
#include "client/cpp/cli/png.h"

#include <zlib.h>

#include <cstdlib>

namespace suppliers::client {
namespace {

void AppendBigEndian(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendChunk(std::string* png, const char type[4],
                 const std::string& data) {
  AppendBigEndian(png, static_cast<uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  png->append(typed);
  AppendBigEndian(png, crc32(0, reinterpret_cast<const Bytef*>(typed.data()),
                             static_cast<uInt>(typed.size())));
}

}  // namespace

std::string MakePng(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  AppendBigEndian(&header, width);
  AppendBigEndian(&header, height);
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  AppendChunk(&png, "IHDR", header);
  std::string pixels;
  for (int y = 0; y < height; ++y) {
    pixels.push_back('\0');  // filter: none
    for (int x = 0; x < width; ++x) {
      const int shade = (x + y) * 255 / (width + height);
      pixels.push_back(static_cast<char>((r + shade) & 0xff));
      pixels.push_back(static_cast<char>((g + shade / 2) & 0xff));
      pixels.push_back(static_cast<char>(b));
    }
  }
  uLongf length = compressBound(pixels.size());
  std::string compressed(length, '\0');
  if (compress(reinterpret_cast<Bytef*>(compressed.data()), &length,
               reinterpret_cast<const Bytef*>(pixels.data()),
               pixels.size()) != Z_OK) {
    std::abort();  // only out of memory; nothing sensible to do
  }
  compressed.resize(length);
  AppendChunk(&png, "IDAT", compressed);
  AppendChunk(&png, "IEND", "");
  return png;
}

}  // namespace suppliers::client
