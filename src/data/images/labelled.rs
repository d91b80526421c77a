//! The labelled images of a semi-supervised run (CLS-GAN's `--labels N`): N training images,
//! the same number of each class, chosen by the run's seed; the rest of the training set
//! trains unlabelled.

use tch::Tensor;

use super::loader::keyed_permutation;
use super::ImageSet;
use crate::error::{Error, Result};

/// The stream of the run's seed that picks the labelled images.
const PURPOSE: &[u8; 16] = b"lsgan labelled  ";

/// The indices (ascending) of `count` images of `set`, `count / classes` of each class, picked
/// by `seed`: for each class, the first of its images in a permutation keyed by the seed and
/// the class. 0 keeps every image. The count must be a multiple of the classes and each
/// class must hold enough images.
pub fn balanced_indices(set: &ImageSet, count: usize, seed: u64) -> Result<Vec<i64>> {
    let labels = labels_of(set)?;
    if count == 0 {
        return Ok((0..labels.len() as i64).collect());
    }
    if count > labels.len() {
        return Err(Error::bad_input(format!(
            "option --labels: {count} labelled images asked for, but {}'s training split holds \
             {}",
            set.name,
            labels.len()
        )));
    }
    let classes = set.classes() as usize;
    if !count.is_multiple_of(classes) {
        return Err(Error::bad_input(format!(
            "option --labels: {count} is not a multiple of the {classes} classes of {} (the \
             same number of each is kept), or 0 for every label",
            set.name
        )));
    }
    let per_class = count / classes;
    let mut chosen = Vec::with_capacity(count);
    for class in 0..classes as i64 {
        let members: Vec<i64> = (0..labels.len() as i64)
            .filter(|&i| labels[i as usize] == class)
            .collect();
        if members.len() < per_class {
            return Err(Error::bad_input(format!(
                "option --labels: {count} keeps {per_class} per class, but {}'s training split \
                 holds {} images of class {class}",
                set.name,
                members.len()
            )));
        }
        let order = keyed_permutation(members.len(), seed, class as u64, PURPOSE);
        chosen.extend(order[..per_class].iter().map(|&k| members[k as usize]));
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// The images of `set` at `indices`, with their labels.
pub fn subset(set: &ImageSet, indices: &[i64]) -> Result<ImageSet> {
    let index = Tensor::from_slice(indices);
    let labels = set
        .labels
        .as_ref()
        .ok_or_else(|| no_labels(set))?
        .index_select(0, &index);
    Ok(ImageSet {
        name: set.name.clone(),
        images: set.images.index_select(0, &index),
        labels: Some(labels),
        class_names: set.class_names.clone(),
    })
}

/// The labels of `set` as numbers.
fn labels_of(set: &ImageSet) -> Result<Vec<i64>> {
    let labels = set.labels.as_ref().ok_or_else(|| no_labels(set))?;
    Ok(Vec::<i64>::try_from(labels)?)
}

/// The error for a set without labels where a conditional run needs them.
pub fn no_labels(set: &ImageSet) -> Error {
    Error::bad_input(format!(
        "--data {}: the images have no labels (the conditional losses need mnist, \
         fashion-mnist, cifar10 or a folder laid out by class, DIR/<class>/…)",
        set.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn set_of(labels: &[i64]) -> ImageSet {
        ImageSet {
            name: "digits".into(),
            images: Tensor::zeros(
                [labels.len() as i64, 1, 2, 2],
                (Kind::Uint8, tch::Device::Cpu),
            ),
            labels: Some(Tensor::from_slice(labels)),
            class_names: crate::data::images::builtin_class_names(),
        }
    }

    #[test]
    fn the_choice_is_balanced_fixed_by_the_seed_and_differs_between_seeds() {
        let labels: Vec<i64> = (0..200).map(|i| i % 10).collect();
        let set = set_of(&labels);
        let chosen = balanced_indices(&set, 30, 7).unwrap();
        assert_eq!(chosen.len(), 30);
        for class in 0..10 {
            let of_class = chosen.iter().filter(|&&i| labels[i as usize] == class);
            assert_eq!(of_class.count(), 3, "class {class}");
        }
        assert_eq!(chosen, balanced_indices(&set, 30, 7).unwrap());
        assert_ne!(chosen, balanced_indices(&set, 30, 8).unwrap());
        assert_eq!(balanced_indices(&set, 0, 7).unwrap().len(), 200);
        let picked = subset(&set, &chosen).unwrap();
        assert_eq!(picked.len(), 30);
    }

    #[test]
    fn too_many_labels_name_the_option_and_the_count() {
        let set = set_of(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        let message = balanced_indices(&set, 20, 0).unwrap_err().to_string();
        assert!(
            message.contains("--labels: 20") && message.contains("holds 12"),
            "{message}"
        );
        let message = balanced_indices(&set, 10 * 2, 0).unwrap_err().to_string();
        assert!(message.contains("option --labels"), "{message}");
        let few = set_of(&[0; 30]);
        let message = balanced_indices(&few, 20, 0).unwrap_err().to_string();
        assert!(
            message.contains("class 1") && message.contains("holds 0"),
            "{message}"
        );
    }
}
