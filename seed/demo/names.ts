/* Common Danish names and street names for the synthetic demo population. */

export const GIVEN = {
  female: ['Anne', 'Kirsten', 'Mette', 'Hanne', 'Helle', 'Anna', 'Susanne', 'Lene', 'Maria', 'Marianne', 'Lone', 'Camilla', 'Pia', 'Louise', 'Inge', 'Bente', 'Karen', 'Tina', 'Gitte', 'Ida', 'Emma', 'Sofie', 'Ellen', 'Birgit'],
  male: ['Peter', 'Michael', 'Jens', 'Lars', 'Thomas', 'Henrik', 'Søren', 'Christian', 'Martin', 'Jan', 'Morten', 'Jesper', 'Anders', 'Niels', 'Mads', 'Rasmus', 'Per', 'Hans', 'Erik', 'Poul', 'Ole', 'Kim', 'Bent', 'Frederik'],
} as const;

export const FAMILY = [
  'Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen',
  'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Christiansen', 'Poulsen', 'Johansen', 'Møller', 'Mortensen',
] as const;

export const STREETS = ['Skolevej', 'Kirkevej', 'Møllevej', 'Stationsvej', 'Engvej', 'Birkevej', 'Vestergade', 'Østergade', 'Nørregade', 'Søndergade', 'Parkvej', 'Bøgevej'] as const;
