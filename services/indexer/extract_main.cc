// indexer-extract: the child process the indexer runs each extraction in
// (see sandboxed_extractor.h). Reads the file on stdin, writes the framed
// text on stdout.
#include "indexer/sandboxed_extractor.h"

int main(int argc, char** argv) { return lc::indexer::RunExtractHelper(argc, argv); }
