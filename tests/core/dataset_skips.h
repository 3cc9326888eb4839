#pragma once
// Suites that need a Debian dataset package skip, with a message naming the package, where it
// is not installed, instead of failing on the missing files.
#include <QFile>
#include <QString>
#include <QtTest>

#include "core/data/idx.h"

namespace moe::core::testing {

/** Whether Debian's dataset-fashion-mnist is installed (its training images are there). */
inline bool haveFashionMnist() {
  const QString dir = QString::fromLatin1(kFashionMnistDir);
  return QFile::exists(dir + QStringLiteral("/train-images-idx3-ubyte.gz")) ||
         QFile::exists(dir + QStringLiteral("/train-images-idx3-ubyte"));
}

}  // namespace moe::core::testing

/** Skips the calling test function (or, in initTestCase, the suite) without Fashion-MNIST. */
#define MOE_SKIP_WITHOUT_FASHION_MNIST()                                                       \
  do {                                                                                         \
    if (!moe::core::testing::haveFashionMnist())                                               \
      QSKIP("Fashion-MNIST is not installed: install Debian's package dataset-fashion-mnist"); \
  } while (false)
