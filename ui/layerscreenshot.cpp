#include "ui/layerscreenshot.h"

#include <algorithm>
#include <vector>

#include <QComboBox>
#include <QCoreApplication>
#include <QPainter>
#include <QTabWidget>

#include "ui/controlbar.h"
#include "ui/heatmapwidget.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

QImage layerHeatmaps(MainWindow* window, int cellWidth, int cellHeight) {
  SessionController* c = window->controller();
  TrainingPanel* panel = window->trainingPanel();
  window->tabs()->setCurrentWidget(panel);
  auto* rows = panel->findChild<QComboBox*>(QStringLiteral("heatmapRows"));
  QComboBox* layer = window->controlBar()->layerBox();
  const int layers = std::max(1, c->layerCount());
  const auto eval = c->latestEval();
  const bool offsets = eval && !eval->offsetExpert.empty();
  const std::vector<int> kinds = offsets ? std::vector<int>{2, 0} : std::vector<int>{0};
  HeatmapWidget* map = panel->heatmap();
  map->setPresentation(true);
  QImage out(cellWidth * int(kinds.size()), cellHeight * layers, QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter painter(&out);
  for (int l = 0; l < layers; ++l) {
    if (layers > 1) layer->setCurrentIndex(l);
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      if (rows) rows->setCurrentIndex(kinds[k]);
      QCoreApplication::processEvents();
      painter.drawPixmap(int(k) * cellWidth, l * cellHeight, map->toPixmap(cellWidth, cellHeight));
    }
  }
  map->setPresentation(false);
  layer->setCurrentIndex(0);
  if (rows) rows->setCurrentIndex(0);
  return out;
}

}  // namespace moe::ui
