#include "ui/hoverhelp.h"

#include <map>
#include <vector>

#include <QCoreApplication>
#include <QFormLayout>
#include <QLabel>
#include <QLayout>
#include <QWidget>

namespace moe::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("moe::ui::HoverHelp", text); }

}  // namespace

QString metricHelp(const std::string& key) {
  static const std::map<std::string, const char*> help = {
      {"train_loss", "Loss on each training batch (smoothed): how wrong the model is on what it learns from. It should fall; a rising or jumping loss means the learning rate is too high."},
      {"test_loss", "Loss on the test inputs the model never trains on, at each evaluation. Falling is good; test loss rising while train loss falls means overfitting."},
      {"train_accuracy", "Share of each training batch classified right (smoothed), 0 to 1. Higher is better."},
      {"test_accuracy", "Share of the test inputs classified right, 0 to 1. Higher is better; chance is 1 / number of classes."},
      {"train_rmse", "Root mean squared error of the predicted ratings on each training batch, in stars. Lower is better."},
      {"test_rmse", "Root mean squared error of the predicted ratings on the test pairs, in stars. Lower is better; about 0.9 is a good recommender."},
      {"switch_loss", "Switch Transformer balancing loss: experts x (share of inputs) · (mean gate probability). 1 when the load is perfectly even, up to the number of experts when one expert takes all."},
      {"importance_loss", "Importance CV²: squared coefficient of variation of the experts' summed gate probabilities. 0 = every expert equally important; larger = a few experts dominate."},
      {"load_loss", "Load CV²: squared coefficient of variation of the (smooth) number of inputs per expert. 0 = even load; larger = uneven."},
      {"aux_total", "The auxiliary losses added to the training loss, each times its weight (the setup panel's weights). 0 when all weights are 0."},
      {"z_loss", "Router z-loss: mean squared log-sum-exp of the router's logits. Small (near 0 to a few) keeps the gate numerically stable; growing values mean the logits run away."},
      {"load_cv", "Load CV: standard deviation / mean of the inputs each expert takes. 0 = perfectly balanced; 1 or more = a few experts take most inputs."},
      {"max_vio", "MaxVio: how far the busiest expert is above a fair share, (max load − mean) / mean. 0 = balanced; 1 = the busiest takes twice its share."},
      {"dropped_fraction", "Share of routings dropped because an expert was full (capacity factor). 0 is ideal; above a few percent, raise the capacity factor or balance the load."},
      {"routing_entropy", "Entropy of the gate's probabilities per input, in nats, from 0 (certain of one expert) to ln(experts) (no preference). Falling over training means the gate is deciding."},
      {"dead_experts", "Experts that took no input in the batch. 0 is good; dead experts waste capacity (raise the balance weight or gate noise)."},
      {"expert_load", "Each expert's share of the routed inputs, stacked to 1. Even bands (the dashed lines, 1/experts each) mean a balanced load; one band growing means collapse."},
      {"test_offset_mutual_information_bits", "Shifted images: how much the first-choice expert tells about where the image sits on its canvas (bits, 0 to log2 9 = 3.17 for the 3 x 3 offset cells). High: the gate splits by position."},
      {"router_bias", "Auxiliary-loss-free balancing: each expert's selection bias. It rises for under-used experts and falls for busy ones; biases that keep drifting mean the load does not settle."},
  };
  const auto it = help.find(key);
  return it == help.end() ? QString() : tr(it->second);
}

QString settingHelp(const QString& label) {
  static const std::map<QString, const char*> help = {
      {QStringLiteral("Dataset"), "What the model learns: images (classes), text (languages) or ratings. Picking one loads its tuned settings; Apply builds the model."},
      {QStringLiteral("Toy points"), "How many training points the toy dataset has (the test set has half as many). More points give the experts a clearer picture."},
      {QStringLiteral("Toy noise"), "How much each toy point is jittered (a standard deviation; the plane runs from -1 to 1). 0 = the clean shape; 0.3 blurs two spirals together."},
      {QStringLiteral("Toy classes"), "How many Gaussian blobs (classes) toy:blobs has, 2 to 10."},
      {QStringLiteral("Train subset"), "Train on this many inputs instead of all: faster epochs for a demonstration, a lower final accuracy."},
      {QStringLiteral("Preset"), "The model around the experts: experts on the pixels, a shared stem before them, a dense baseline without experts, or image patches routed one by one."},
      {QStringLiteral("Experts"), "How many expert networks the gate chooses from (1 to 256). 4 to 16 is typical here; more experts means more capacity but harder balancing."},
      {QStringLiteral("Router"), "How the gate picks experts for each input: top-k of a softmax, with noise, by expert choice, hashing, Sinkhorn, ... (hover an entry for its description)."},
      {QStringLiteral("Top-k"), "How many experts each input goes to. 1 (Switch) is cheapest; 2 is the classic choice and usually trains more smoothly."},
      {QStringLiteral("Capacity factor"), "How many inputs an expert may take, as a multiple of a fair share (0.01 to 64). 1.0 to 1.5 is usual; too low drops inputs (see dropped fraction)."},
      {QStringLiteral("Expert width"), "Hidden units in each expert; 'linear' means an expert without a hidden layer. Wider experts learn more and train slower."},
      {QStringLiteral("Shared experts"), "Experts every input goes through besides the routed ones (DeepSeekMoE); 0 = none."},
      {QStringLiteral("Expert split"), "Fine-grained experts: each split M ways, 1 = no split."},
      {QStringLiteral("Patch size"), "Side of an image patch in pixels for the patch model; it must divide the image size."},
      {QStringLiteral("Gate noise"), "Random noise added to the gate's scores while training (0 to 100), so unused experts get tried. 0 = none; about 1 is typical for noisy top-k."},
      {QStringLiteral("Switch balance"), "Weight of the Switch balancing loss (0 to 1000). 0.01 is the usual value; 0 lets the load collapse onto a few experts, large values hurt accuracy."},
      {QStringLiteral("Router z-loss"), "Weight of the router z-loss that keeps the gate's logits small (0 to 1000). 0.001 is usual."},
      {QStringLiteral("Importance CV²"), "Weight of the importance loss (Shazeer et al.), 0 to 1000: pushes the experts' summed gate probabilities to be equal. 0.01 to 0.1 when used."},
      {QStringLiteral("Load CV²"), "Weight of the load loss (Shazeer et al.), 0 to 1000: pushes the number of inputs per expert to be equal. 0.01 to 0.1 when used."},
      {QStringLiteral("Optimizer"), "How the weights follow their gradients: plain SGD, or Adam / AdamW (adaptive steps; the usual choice)."},
      {QStringLiteral("Learning rate"), "Size of each weight update (0.000001 to 10). Adam: 0.0005 to 0.003 is typical; too high makes the loss jump or diverge, too low makes it crawl."},
      {QStringLiteral("Batch size"), "Inputs per training step (1 to 65536). 64 to 256 is typical; larger batches give smoother curves and fewer steps per epoch."},
      {QStringLiteral("Epochs"), "How many passes over the training data before training stops."},
      {QStringLiteral("Seed"), "Starting point of every random choice: the same seed and settings give the same run."},
      {QStringLiteral("Threads"), "CPU threads the trainer uses; leave one core free for the window."},
      {QStringLiteral("Backend"), "Where the numbers are computed: the CPU, or OpenCL (a GPU; falls back to the CPU when there is none)."},
      {QStringLiteral("Score"), "How the router's logits become scores: a softmax over the experts, or a sigmoid per expert."},
      {QStringLiteral("Route scale"), "Multiplies the chosen gate weights (0.01 to 1000); 1 leaves them as they are."},
      {QStringLiteral("Bias balancing rate"), "Balancing without an auxiliary loss (0 to 1): how fast each expert's bias moves against its load. 0.001 to 0.02 is typical; off = 0."},
      {QStringLiteral("Drop policy"), "Which inputs a full expert drops when its capacity is reached."},
      {QStringLiteral("Slots per expert"), "Soft MoE only (1 to 64): how many slots each expert has; each slot takes its own softmax-weighted mix of a sequence's inputs. 1 is the usual; more helps only where an input is a sequence of tokens or patches."},
      {QStringLiteral("Balance scope"), "Over which inputs the Switch balancing loss counts the load: the batch, each sequence, or the last steps together."},
      {QStringLiteral("Depth"), "Hierarchical mixture: levels of gates in the tree (1 = one gate, a flat mixture). The tree has branching^depth experts at its leaves."},
      {QStringLiteral("Branching"), "Hierarchical mixture: how many children each gate splits its inputs among (2 = binary tree)."},
      {QStringLiteral("Fit"), "How the tree of experts is trained: by gradient steps, or by EM (Jordan & Jacobs 1994), which re-solves every expert and gate from the data at each pass (linear or logistic experts only)."},
      {QStringLiteral("Mixture loss"), "Compete: the mixture's likelihood, so each input is claimed by the expert that explains it best and experts specialise. Cooperate: the error of the gate-weighted average, so experts share every input (Jacobs et al. 1991)."},
      {QStringLiteral("Balance window"), "For the global scope: how many recent steps are counted together (1 to 100000)."},
      {QStringLiteral("MoE layers"), "Deep MoE only (2 to 8): MoE layers in sequence, each with its own router. The first router sees the input, the later ones the previous layer's features (Eigen et al. 2013)."},
      {QStringLiteral("Experts per layer"), "Deep MoE only: each layer's number of experts, comma-separated (4,8). Empty: Experts for every layer."},
      {QStringLiteral("Top-k per layer"), "Deep MoE only: each layer's top-k, comma-separated (1,2). Empty: Top-k for every layer."},
      {QStringLiteral("Router per layer"), "Deep MoE only: each layer's router, comma-separated (topk,switch). Empty: Router for every layer."},
      {QStringLiteral("Smoothing"), "How much the per-batch curves are smoothed, 0 to 0.99 (as in TensorBoard): each step moves the smoothed line by 1 − smoothing of the way to the new value. 0 = raw; 0.9 to 0.95 shows the trend; the raw curve stays faint behind."},
      {QStringLiteral("Log scale"), "Draws the curves' values on a logarithmic axis: equal steps are equal ratios, so a loss falling from 2 to 0.2 and from 0.2 to 0.02 look alike. Values of 0 or below are left out."},
      {QStringLiteral("Evaluation"), "The time slider: goes back through the run's evaluations of the test split. The heatmap, the gallery and the cursor on the load plot show the chosen one and say its step; Latest (or the right end) follows training again."},
  };
  QString key = label;
  key.remove(QStringLiteral(" ⚡"));
  key.remove(QLatin1Char('&'));
  const auto it = help.find(key.trimmed());
  return it == help.end() ? QString() : tr(it->second);
}

void addSettingHelp(QWidget* root) {
  for (QFormLayout* form : root->findChildren<QFormLayout*>()) {
    for (int row = 0; row < form->rowCount(); ++row) {
      auto* label = qobject_cast<QLabel*>(form->itemAt(row, QFormLayout::LabelRole)
                                              ? form->itemAt(row, QFormLayout::LabelRole)->widget()
                                              : nullptr);
      QLayoutItem* field = form->itemAt(row, QFormLayout::FieldRole);
      if (!label || !field) continue;
      const QString help = settingHelp(label->text());
      if (help.isEmpty()) continue;
      std::vector<QWidget*> widgets;
      if (field->widget()) widgets.push_back(field->widget());
      if (QLayout* inner = field->layout())
        for (int i = 0; i < inner->count(); ++i)
          if (inner->itemAt(i)->widget()) widgets.push_back(inner->itemAt(i)->widget());
      for (QWidget* w : widgets)
        w->setToolTip(w->toolTip().isEmpty() ? help : w->toolTip() + QStringLiteral("\n\n") + help);
      label->setToolTip(help);
    }
  }
}

}  // namespace moe::ui
