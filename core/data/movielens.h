#pragma once
/** @file MovieLens ratings in GroupLens' three layouts (ml-100k, ml-1m, ml-latest). */
#include <cstdint>
#include <string>

#include "core/data/dataset.h"

namespace moe::core {

/** The GroupLens file layouts. */
enum class MovieLensFormat {
  Ml100k,   ///< u.data (user, item, rating, time; tabs) and u.item ('|', 19 genre flags)
  Ml1m,     ///< ratings.dat and movies.dat, fields separated by "::", genres "A|B"
  MlLatest  ///< ratings.csv and movies.csv with headers; titles quoted per RFC 4180
};

/**
 * The layout of the files in dir, from their names.
 * @throws DataError naming dir and the expected files when none is there.
 */
MovieLensFormat detectMovieLensFormat(const std::string& dir);

/**
 * Reads all ratings in dir (any layout) into one Ratings dataset: user and item ids mapped to
 * dense indices in increasing id order (userIds/itemIds keep the originals), item titles and
 * genres from the movie file when present, rating counts per user and item. Malformed lines
 * and ratings outside 0.5..5 are skipped and reported with their line numbers in report.
 * @throws DataError when a file cannot be read or no valid rating remains.
 */
Dataset readMovieLens(const std::string& dir, LoadReport& report);

/**
 * Seeded random split of all ratings: testFraction held out as test, then validationFraction
 * of the rest as validation. Each split counts its ratings per user and item, so
 * Dataset::knows() tells whether a split has seen a user and an item.
 */
DataSplits splitRatings(const Dataset& all, double testFraction, double validationFraction,
                        std::uint64_t seed);

/**
 * The folder scripts/export_movielens.sh writes to:
 * ${XDG_DATA_HOME:-$HOME/.local/share}/moe-explorer/movielens.
 */
std::string defaultMovieLensDir();

}  // namespace moe::core
