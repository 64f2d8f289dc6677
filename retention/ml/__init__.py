"""Machine learning: the model's input matrix, training, evaluation, artifacts and loading."""
