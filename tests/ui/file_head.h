#pragma once
// The first bytes of a file, for checking the magic number of an export (PNG, PDF).
#include <QByteArray>
#include <QFile>
#include <QString>

namespace moe::testing {

inline QByteArray fileHead(const QString& path, int n) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

}  // namespace moe::testing
