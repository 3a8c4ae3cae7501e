// Reads the committed extraction fixtures (tests/indexer/fixtures).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lc::indexer::testing {

inline std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(LC_FIXTURES) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A valid PDF of `pages` pages that share one content stream: small to
// fetch, slow to extract (it trips a small time cap).
inline std::string ManyPagePdf(int pages) {
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  auto obj = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  std::string kids;
  for (int i = 0; i < pages; ++i) kids += std::to_string(5 + i) + " 0 R ";
  obj("<< /Type /Catalog /Pages 2 0 R >>");
  obj("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  // Thousands of drawing operators and one word: every page costs parsing
  // time but adds almost no text, so the character cap does not stop it.
  std::string content = "BT /F1 6 Tf 20 780 Td (slow) Tj ET\n";
  for (int op = 0; op < 2000; ++op) content += "1 2 m 3 4 l 5 6 7 8 9 10 c S\n";
  obj("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream");
  for (int i = 0; i < pages; ++i) {
    obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
        ">> >> /Contents 4 0 R >>");
  }
  size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  char line[32];
  for (size_t off : offsets) {
    snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

}  // namespace lc::indexer::testing
