#pragma once
/** @file The user's own labelled texts: CSV or TSV files (RFC 4180 quoting). */
#include <string>
#include <string_view>
#include <vector>

#include "core/data/text_corpus.h"

namespace moe::core {

/** One record of a CSV file and the line it starts on (1-based). */
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

/**
 * Splits CSV text into records per RFC 4180: fields separated by delimiter, optionally quoted
 * with '"' (a doubled quote inside stands for one; delimiters, CR and LF inside quotes are
 * data), records ending in LF or CRLF. Blank lines are skipped. A malformed record (characters
 * after a closing quote, a quote never closed) is reported in report as "where:LINE: ..." and
 * parsing resumes on the next line.
 */
std::vector<CsvRecord> parseCsv(std::string_view text, char delimiter, LoadReport& report,
                                const std::string& where);

/** How a labelled text file is laid out. */
struct TextCsvOptions {
  enum class Header { Auto, Present, Absent };
  char delimiter = 0;            ///< 0: tab for .tsv/.tab files or tab-separated first lines
  Header header = Header::Auto;  ///< Auto: a first row whose label is a column name
  int labelColumn = 0;           ///< column holding the class
  std::vector<int> textColumns;  ///< columns joined with a space into the text; empty: all but
                                 ///< the label column (AG News: title and description)
};

/**
 * Reads a labelled text file (AG News layout: "class","title","description"). Integer labels
 * starting at 1 are taken as 1-based (AG News), starting at 0 as 0-based, and named by their
 * number; other labels are class names, numbered in sorted order. Malformed lines (bad quoting,
 * missing columns, bad labels, invalid UTF-8, empty text) are skipped and reported with their
 * line numbers; duplicates are dropped.
 * @throws DataError when the file cannot be read or no valid record remains.
 */
TextCorpus readTextCsv(const std::string& path, const TextCsvOptions& options = {});

}  // namespace moe::core
