#!/usr/bin/env bash
# Exports dslabs::movielens (MovieLens latest-small, from Debian's r-cran-dslabs) as GroupLens
# ml-latest files: ratings.csv (userId,movieId,rating,timestamp) and movies.csv
# (movieId,title,genres), into the folder the `movielens` dataset spec reads by default.
# Usage: scripts/export_movielens.sh [DEST]   (DEST defaults to the application's data folder)
set -euo pipefail
DEST="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/moe-explorer/movielens}"

if [ -s "$DEST/ratings.csv" ] && [ -s "$DEST/movies.csv" ]; then
  echo "MovieLens already exported in $DEST"
  exit 0
fi

if ! dpkg-query -W -f='${Status}' r-cran-dslabs 2>/dev/null | grep -q "install ok installed"; then
  echo "Installing r-cran-dslabs"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends r-cran-dslabs
fi

mkdir -p "$DEST"
TMP="$(mktemp -d "$DEST/.export.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Write into a temporary folder and move into place last, so an interrupted run leaves nothing
# that looks complete.
Rscript --vanilla - "$TMP" <<'RSCRIPT'
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
m <- dslabs::movielens
ratings <- data.frame(userId = m$userId, movieId = m$movieId,
                      rating = m$rating, timestamp = m$timestamp)
ratings <- ratings[order(ratings$userId, ratings$movieId), ]
write.csv(ratings, file.path(out, "ratings.csv"), row.names = FALSE, quote = FALSE)
movies <- unique(m[, c("movieId", "title", "year", "genres")])
movies <- movies[!duplicated(movies$movieId), ]
movies <- movies[order(movies$movieId), ]
# GroupLens titles carry the year: "Toy Story (1995)".
title <- ifelse(is.na(movies$year), movies$title, paste0(movies$title, " (", movies$year, ")"))
# As in GroupLens' movies.csv, only titles with a comma or a quote are quoted (RFC 4180).
needsQuote <- grepl('[,"]', title)
title <- ifelse(needsQuote, paste0('"', gsub('"', '""', title, fixed = TRUE), '"'), title)
con <- file(file.path(out, "movies.csv"), open = "w", encoding = "UTF-8")
writeLines(c("movieId,title,genres",
             paste(movies$movieId, title, as.character(movies$genres), sep = ",")), con)
close(con)
cat(sprintf("ratings: %d, users: %d, movies: %d\n", nrow(ratings),
            length(unique(ratings$userId)), nrow(movies)))
RSCRIPT

mv "$TMP/ratings.csv" "$TMP/movies.csv" "$DEST/"
echo "Exported MovieLens to $DEST"
