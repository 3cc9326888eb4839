#include "ui/datalabels.h"

#include <QDir>
#include <QFileInfo>

#include "core/data/fortunes.h"

namespace moe::ui {

QString classLabel(const core::Dataset& data, int cls) {
  if (cls < 0 || cls >= int(data.classNames.size())) return cls >= 0 ? QString::number(cls) : QStringLiteral("?");
  const std::string& code = data.classNames[std::size_t(cls)];
  if (data.kind == core::DataKind::Tokens) {
    for (const core::FortuneLanguage& lang : core::fortuneLanguages())
      if (lang.code == code)
        return QStringLiteral("%1 · %2").arg(QString::fromStdString(code), QString::fromStdString(lang.name));
  }
  return QString::fromStdString(code);
}

QStringList heatmapRowNames(const core::Dataset& data) {
  QStringList names;
  if (data.kind == core::DataKind::Ratings) {
    for (const std::string& g : data.genreNames) names << QString::fromStdString(g);
    return names;
  }
  for (int c = 0; c < data.classes; ++c) names << classLabel(data, c);
  if (data.classes == 0)  // regression on points: bins of the input (core/data/toy_data.h)
    for (const std::string& bin : data.classNames) names << QString::fromStdString(bin);
  return names;
}

QString datasetLabel(const QString& spec) {
  const int colon = spec.indexOf(QLatin1Char(':'));
  if (colon < 0) return spec;
  const QString kind = spec.left(colon);
  const QString path = spec.mid(colon + 1);
  const QString name = QFileInfo(path).fileName().isEmpty() ? QDir(path).dirName() : QFileInfo(path).fileName();
  return QStringLiteral("%1 (%2)").arg(name, kind);
}

QStringList offsetNames(int grid) {
  QStringList names;
  const QStringList across{QObject::tr("left"), QObject::tr("centre"), QObject::tr("right")};
  const QStringList down{QObject::tr("top"), QObject::tr("middle"), QObject::tr("bottom")};
  for (int r = 0; r < grid; ++r)
    for (int c = 0; c < grid; ++c)
      names << (grid == 3 ? down[r] + ' ' + across[c] : QObject::tr("cell %1,%2").arg(r + 1).arg(c + 1));
  return names;
}

}  // namespace moe::ui
